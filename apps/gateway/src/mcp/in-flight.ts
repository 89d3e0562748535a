/**
 * Counts work in flight (tool calls, requests being handed to the SDK), so shutdown can wait
 * for it to finish.
 */
export class InFlight {
  #running = 0;
  #waiters = new Set<() => void>();

  get running(): number {
    return this.#running;
  }

  /** Runs `call` and counts it until it settles. */
  async track<T>(call: () => Promise<T>): Promise<T> {
    this.#running++;
    try {
      return await call();
    } finally {
      this.#running--;
      if (this.#running === 0) for (const wake of this.#waiters) wake();
    }
  }

  /** Resolves true once nothing is running, or false when `timeoutMs` passes first. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.#running === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(idle);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#waiters.add(wake);
    });
  }
}

import { randomBytes } from "node:crypto";

/** A message shown once on the next page, e.g. "Saved." or a new key's secret. */
export type Flash =
  | { kind: "success" | "error"; message: string; target?: string }
  | { kind: "key-created"; name: string; secret: string };

/** A signed-in admin's browser. Lives in memory only: a restart signs everyone out. */
export interface Session {
  readonly id: string;
  /** The synchronizer token every state-changing form must send back. */
  readonly csrfToken: string;
  readonly expiresAt: number;
  flashes: Flash[];
}

export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const MAX_SESSIONS = 1_000;

/**
 * Server-side session store. The cookie holds only a random id; expiry is enforced here, so a
 * copied cookie stops working after the TTL or on sign-out.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();

  constructor(
    readonly ttlMs = SESSION_TTL_MS,
    readonly now: () => number = Date.now,
  ) {}

  create(): Session {
    this.#prune();
    if (this.#sessions.size >= MAX_SESSIONS) {
      // Maps iterate in insertion order: the oldest session goes first.
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    const session: Session = {
      id: randomBytes(32).toString("base64url"),
      csrfToken: randomBytes(32).toString("base64url"),
      expiresAt: this.now() + this.ttlMs,
      flashes: [],
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    if (!id || id.length > 100) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  destroy(id: string): void {
    this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Takes the session's pending messages (they are shown once). */
  static takeFlashes(session: Session): Flash[] {
    const flashes = session.flashes;
    session.flashes = [];
    return flashes;
  }

  #prune(): void {
    const now = this.now();
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(id);
  }
}

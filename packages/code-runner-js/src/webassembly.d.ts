/** The WebAssembly globals this package uses (TypeScript's ES lib does not declare them). */
declare global {
  namespace WebAssembly {
    class Module {
      constructor(bytes: BufferSource);
    }
    class Memory {
      constructor(descriptor: { initial: number; maximum?: number });
      readonly buffer: ArrayBuffer;
      grow(delta: number): number;
    }
  }
}

export {};

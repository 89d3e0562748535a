/** The WebAssembly globals this package uses (TypeScript's ES lib does not declare them). */
declare global {
  namespace WebAssembly {
    class Module {
      constructor(bytes: BufferSource);
      static imports(module: Module): { module: string; name: string; kind: string }[];
    }
    class Memory {
      constructor(descriptor: { initial: number; maximum?: number });
      readonly buffer: ArrayBuffer;
      grow(delta: number): number;
    }
    class Instance {
      constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    }
    function validate(bytes: BufferSource): boolean;
  }
}

export {};

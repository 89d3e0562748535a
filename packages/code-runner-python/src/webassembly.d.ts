/** The WebAssembly globals this package uses (TypeScript's ES lib does not declare them). */
declare global {
  namespace WebAssembly {
    type Imports = Record<string, Record<string, unknown>>;
    class Module {
      constructor(bytes: ArrayBufferView | ArrayBuffer);
    }
    class Instance {
      readonly exports: Record<string, unknown>;
    }
    class Memory {
      constructor(descriptor: { initial: number; maximum?: number });
      readonly buffer: ArrayBuffer;
      grow(delta: number): number;
    }
    class CompileError extends Error {}
    class Global {
      value: unknown;
    }
    function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
    function instantiate(
      source: unknown,
      imports?: Imports,
    ): Promise<Instance | { instance: Instance; module: Module }>;
  }
}

export {};

/**
 * One edit to QuickJS's WebAssembly binary before it is compiled: the initial size its imported
 * memory declares.
 *
 * The Emscripten build declares 256 pages (16 MiB) although its static data and 5 MiB stack end
 * near 5.1 MiB; the heap grows on demand through the host's `memory.grow`. Every execution gets a
 * fresh memory, and each one counts against V8's external memory until it is collected, so 16 MiB
 * per execution made garbage collection the largest cost of a fresh instance. Lowering the
 * declared minimum lets each instance start small.
 */

const WASM_MAGIC = 0x6d736100; // "\0asm", little-endian
const IMPORT_SECTION = 2;
const IMPORT_FUNCTION = 0;
const IMPORT_TABLE = 1;
const IMPORT_MEMORY = 2;
const IMPORT_GLOBAL = 3;

/** Where the imported memory's limits sit in a binary. */
export interface MemoryImport {
  /** Declared minimum, in 64 KiB pages. */
  minimum: number;
  maximum: number | undefined;
  /** Offset and length of the minimum's LEB128 encoding. */
  offset: number;
  length: number;
}

/** Finds the imported memory of a WebAssembly binary, or undefined if it imports none. */
export function findMemoryImport(bytes: Uint8Array): MemoryImport | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || view.getUint32(0, true) !== WASM_MAGIC) throw new Error("not a WebAssembly binary");
  let at = 8;
  const leb = (): { value: number; length: number } => {
    let value = 0;
    let shift = 0;
    const start = at;
    for (;;) {
      if (at >= bytes.length) throw new Error("truncated WebAssembly binary");
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return { value, length: at - start };
    }
  };
  const skipName = () => {
    const length = leb().value;
    at += length;
  };
  const limits = () => {
    const flags = bytes[at++]!;
    const offset = at;
    const min = leb();
    const max = flags & 1 ? leb().value : undefined;
    return { minimum: min.value, maximum: max, offset, length: min.length };
  };
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const size = leb().value;
    const end = at + size;
    if (id !== IMPORT_SECTION) {
      at = end;
      continue;
    }
    const count = leb().value;
    for (let i = 0; i < count; i++) {
      skipName();
      skipName();
      const kind = bytes[at++]!;
      if (kind === IMPORT_FUNCTION) leb();
      else if (kind === IMPORT_TABLE) {
        at++; // element type
        limits();
      } else if (kind === IMPORT_MEMORY) return limits();
      else if (kind === IMPORT_GLOBAL)
        at += 2; // value type, mutability
      else throw new Error(`unknown import kind ${kind}`);
    }
    return undefined;
  }
  return undefined;
}

/**
 * A copy of `bytes` whose imported memory declares `pages` as its minimum. The new value is
 * written over the old one in the same number of bytes (LEB128 allows padding), so no offset in
 * the binary moves.
 */
export function withMemoryMinimum(bytes: Uint8Array, pages: number): Uint8Array {
  const memory = findMemoryImport(bytes);
  if (!memory) throw new Error("the binary imports no memory");
  if (!Number.isInteger(pages) || pages < 0 || pages >= 2 ** (7 * memory.length)) {
    throw new Error(`cannot encode ${pages} pages in ${memory.length} bytes`);
  }
  const copy = Uint8Array.from(bytes);
  let value = pages;
  for (let i = 0; i < memory.length; i++) {
    const last = i === memory.length - 1;
    copy[memory.offset + i] = (value & 0x7f) | (last ? 0 : 0x80);
    value = Math.floor(value / 128);
  }
  return copy;
}

/**
 * Two edits to QuickJS's WebAssembly binary before it is compiled: the size of its stack and the
 * initial size its imported memory declares.
 *
 * The Emscripten build lays out its linear memory as static data (88 KiB), a 5 MiB stack, then the
 * heap, and declares 256 pages (16 MiB) although the heap grows on demand through the host's
 * `memory.grow`. Every execution gets a fresh memory, and each one counts against V8's external
 * memory by its size (touched or not) until a full garbage collection frees it: V8 allocates a
 * WebAssembly instance's own objects in the old generation, so its memory never dies young. Smaller
 * memories mean fewer full collections per execution. QuickJS is held to a much smaller stack by
 * `setMaxStackSize` anyway, so the stack can shrink and the heap start right above it.
 */

const WASM_MAGIC = 0x6d736100; // "\0asm", little-endian
const IMPORT_SECTION = 2;
const GLOBAL_SECTION = 6;
const CODE_SECTION = 10;
const DATA_SECTION = 11;
const I32 = 0x7f;
const I32_CONST = 0x41;
const I32_STORE = 0x36;
const END = 0x0b;
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
  const copy = new Uint8Array(bytes);
  let value = pages;
  for (let i = 0; i < memory.length; i++) {
    const last = i === memory.length - 1;
    copy[memory.offset + i] = (value & 0x7f) | (last ? 0 : 0x80);
    value = Math.floor(value / 128);
  }
  return copy;
}

/** A little reader of WebAssembly's encodings over one binary. */
class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    if (this.at >= this.bytes.length) throw new Error("truncated WebAssembly binary");
    return this.bytes[this.at++]!;
  }
  /** Unsigned LEB128 (values used here stay below 2^53). */
  leb(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.byte();
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  }
  /** Signed LEB128 of an `i32.const`, with where its encoding sits. */
  sleb(): { value: number; offset: number; length: number } {
    const offset = this.at;
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.byte();
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 32 && byte & 0x40) value |= -1 << shift;
    return { value, offset, length: this.at - offset };
  }
}

/** Each section of a binary: its id and where its content starts and ends. */
function sections(bytes: Uint8Array): { id: number; start: number; end: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || view.getUint32(0, true) !== WASM_MAGIC) throw new Error("not a WebAssembly binary");
  const reader = new Reader(bytes);
  reader.at = 8;
  const found: { id: number; start: number; end: number }[] = [];
  while (reader.at < bytes.length) {
    const id = reader.byte();
    const size = reader.leb();
    found.push({ id, start: reader.at, end: reader.at + size });
    reader.at += size;
  }
  return found;
}

/** The minimal signed LEB128 encoding of an i32. */
function signedLeb(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Writes `value` as a LEB128 of exactly `length` bytes (padded), or throws if it does not fit. */
function writeLeb(bytes: Uint8Array, offset: number, length: number, value: number, signed: boolean): void {
  const bits = 7 * length - (signed ? 1 : 0);
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new Error(`cannot encode ${value} in ${length} bytes`);
  }
  let rest = value;
  for (let i = 0; i < length; i++) {
    bytes[offset + i] = (rest & 0x7f) | (i === length - 1 ? 0 : 0x80);
    rest = Math.floor(rest / 128);
  }
}

/** Where Emscripten's stack sits in a binary, and the places that say so. */
export interface StackLayout {
  /** Initial stack pointer (the stack grows down from it); the heap starts here. */
  top: number;
  /** Bytes of stack below `top`. */
  size: number;
}

/**
 * Finds the stack of an Emscripten build (static data, then the stack, then the heap) by the four
 * places that encode it: the stack pointer (the only mutable i32 global) starts at the stack's top;
 * the C library's start-up stores the top and size into its thread record (one function, as
 * `i32.const record+4; i32.const top; i32.store` after the size's store at `record`); and the
 * allocator's first break, a data segment holding the top. Throws unless each is found exactly
 * once: a different build must be looked at again rather than edited blindly.
 */
function locateStack(bytes: Uint8Array) {
  const found = sections(bytes);
  const section = (id: number) => {
    const matches = found.filter((s) => s.id === id);
    if (matches.length !== 1) throw new Error(`expected one section ${id}, found ${matches.length}`);
    return matches[0]!;
  };
  const reader = new Reader(bytes);

  const globals = section(GLOBAL_SECTION);
  reader.at = globals.start;
  const stackPointers: { value: number; offset: number; length: number }[] = [];
  for (let count = reader.leb(), i = 0; i < count; i++) {
    const type = reader.byte();
    const mutable = reader.byte() === 1;
    if (reader.byte() !== I32_CONST) throw new Error("unexpected global initialiser");
    const init = reader.sleb();
    if (reader.byte() !== END) throw new Error("unexpected global initialiser");
    if (type === I32 && mutable) stackPointers.push(init);
  }
  if (stackPointers.length !== 1)
    throw new Error(`expected one mutable i32 global, found ${stackPointers.length}`);
  const pointer = stackPointers[0]!;
  const top = pointer.value;

  // The thread record's stores, found by their instruction bytes within the code section: first
  // each `i32.const top; i32.store` (top in its minimal encoding, as the compiler emits it), then the
  // instructions right before it.
  const code = section(CODE_SECTION);
  const topStore = [I32_CONST, ...signedLeb(top), I32_STORE, 2, 0];
  const stores: { size: ReturnType<Reader["sleb"]>; top: ReturnType<Reader["sleb"]> }[] = [];
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const needle = Buffer.from(topStore);
  for (
    let at = haystack.indexOf(needle, code.start);
    at >= 0 && at + needle.length <= code.end;
    at = haystack.indexOf(needle, at + 1)
  ) {
    // `i32.const sizeAddress; i32.const size; i32.store; i32.const topAddress` ends where `at` starts.
    for (let from = Math.max(code.start, at - 25); from < at; from++) {
      reader.at = from;
      if (reader.byte() !== I32_CONST) continue;
      const sizeAddress = reader.sleb().value;
      if (reader.byte() !== I32_CONST) continue;
      const size = reader.sleb();
      if (reader.byte() !== I32_STORE || reader.byte() !== 2 || reader.byte() !== 0) continue;
      if (reader.byte() !== I32_CONST) continue;
      const topAddress = reader.sleb().value;
      if (reader.at !== at || topAddress !== sizeAddress - 4) continue;
      reader.at = at + 1;
      stores.push({ size, top: reader.sleb() });
      break;
    }
  }
  if (stores.length !== 1)
    throw new Error(`expected one store of the stack's top and size, found ${stores.length}`);
  const record = stores[0]!;

  // The allocator's first break: an active data segment at a constant offset holding exactly the
  // top, little-endian (Emscripten drops a segment's trailing zero bytes).
  const data = section(DATA_SECTION);
  reader.at = data.start;
  const breaks: { offset: number; length: number }[] = [];
  for (let count = reader.leb(), i = 0; i < count; i++) {
    if (reader.leb() !== 0 || reader.byte() !== I32_CONST) throw new Error("unexpected data segment");
    reader.sleb();
    if (reader.byte() !== END) throw new Error("unexpected data segment");
    const length = reader.leb();
    const offset = reader.at;
    reader.at += length;
    if (length === 0 || length > 4 || bytes[offset + length - 1] === 0) continue;
    let value = 0;
    for (let k = length - 1; k >= 0; k--) value = value * 256 + bytes[offset + k]!;
    if (value === top) breaks.push({ offset, length });
  }
  if (breaks.length !== 1)
    throw new Error(`expected one data segment holding the heap's start, found ${breaks.length}`);
  return { top, size: record.size.value, pointer, record, heapStart: breaks[0]! };
}

/** The stack of an Emscripten build of QuickJS (see `locateStack`). */
export function findStack(bytes: Uint8Array): StackLayout {
  const { top, size } = locateStack(bytes);
  return { top, size };
}

/**
 * A copy of `bytes` whose stack is `size` bytes (a multiple of 16): the stack keeps its bottom
 * (right above the static data), its top moves, and the heap starts at the new top. Each value is
 * written over the old one in the same number of bytes, so no offset in the binary moves.
 */
export function withStackSize(bytes: Uint8Array, size: number): { bytes: Uint8Array; stack: StackLayout } {
  const layout = locateStack(bytes);
  if (!Number.isInteger(size) || size <= 0 || size % 16 !== 0) throw new Error(`bad stack size ${size}`);
  const top = layout.top - layout.size + size;
  const copy = new Uint8Array(bytes);
  writeLeb(copy, layout.pointer.offset, layout.pointer.length, top, true);
  writeLeb(copy, layout.record.top.offset, layout.record.top.length, top, true);
  writeLeb(copy, layout.record.size.offset, layout.record.size.length, size, true);
  const { offset, length } = layout.heapStart;
  if (top >= 2 ** (8 * length)) throw new Error(`cannot encode ${top} in ${length} bytes`);
  for (let k = 0, rest = top; k < length; k++, rest = Math.floor(rest / 256)) copy[offset + k] = rest & 0xff;
  return { bytes: copy, stack: { top, size } };
}

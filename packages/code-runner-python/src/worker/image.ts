/**
 * The pristine image of a loaded Pyodide instance, and its in-place restore.
 *
 * What an execution can change, and how each part comes back:
 * - wasm linear memory: copied back below the saved size, zero-filled above it;
 * - the stack pointer global;
 * - the JS reference table (hiwire) and its dedup map: entries set back, later ones emptied;
 * - Emscripten's in-memory file system: the tree, file bytes, modes, times, the working folder;
 * - open file streams: ones opened since are dropped, the saved ones get their position back;
 * - timers: cancelled by the caller (see `TimerTracker`).
 * `verify()` then checks each part against the image; the caller replaces the worker if it fails.
 */
import type { PyodideAPI } from "pyodide";

// biome-ignore lint/suspicious/noExplicitAny: Emscripten's FS objects are untyped
type FsNode = any;

interface SavedNode {
  node: FsNode;
  parent: FsNode;
  name: string;
  mode: number;
  times: [number, number, number];
  /** Directories: the children by name. */
  children?: Map<string, FsNode>;
  /** Regular files: their bytes. */
  bytes?: Uint8Array;
  /** Symlinks: the target. */
  link?: string;
}

interface SavedStream {
  stream: FsNode;
  position: number;
}

// biome-ignore lint/suspicious/noExplicitAny: Pyodide's Emscripten module is untyped
type EmscriptenModule = any;

export class PristineImage {
  readonly #module: EmscriptenModule;
  readonly #fs: EmscriptenModule;
  readonly #stackPointer: WebAssembly.Global | undefined;
  readonly #dedup: Map<unknown, number> | undefined;
  /** The image's linear memory by 64 KiB chunk; `undefined` for a chunk of zeros (about half). */
  readonly #chunks: (Buffer | undefined)[];
  readonly #memoryLength: number;
  readonly #stackPointerValue: number;
  readonly #hiwire: unknown[];
  readonly #dedupEntries: [unknown, number][];
  readonly #nodes: SavedNode[];
  readonly #streams: (SavedStream | null)[];
  readonly #cwd: string;
  readonly #mountCount: number;
  /** Set by `restore` when a chunk of memory did not come back equal. */
  #memoryProblem: string | undefined;

  constructor(pyodide: PyodideAPI, instance: WebAssembly.Instance, dedup: Map<unknown, number> | undefined) {
    const module = (pyodide as unknown as { _module: EmscriptenModule })._module;
    this.#module = module;
    this.#fs = module.FS;
    this.#stackPointer = instance.exports.__stack_pointer as WebAssembly.Global | undefined;
    this.#dedup = dedup;
    const heap: Uint8Array = module.HEAPU8;
    this.#memoryLength = heap.length;
    this.#chunks = [];
    for (let at = 0; at < heap.length; at += CHUNK) {
      const chunk = Buffer.from(heap.buffer, heap.byteOffset + at, Math.min(CHUNK, heap.length - at));
      this.#chunks.push(chunk.compare(ZEROS, 0, chunk.length) === 0 ? undefined : Buffer.from(chunk));
    }
    this.#stackPointerValue = Number(this.#stackPointer?.value ?? 0);
    this.#hiwire = [];
    for (let i = 0; ; i++) {
      const value = this.#readHiwire(i);
      if (value === NO_ENTRY) break;
      this.#hiwire.push(value);
    }
    this.#dedupEntries = dedup ? [...dedup.entries()] : [];
    this.#nodes = [];
    this.#walk(this.#fs.root, (node) => this.#nodes.push(this.#saveNode(node)));
    this.#streams = this.#fs.streams.map((stream: FsNode) =>
      stream ? { stream, position: stream.position ?? 0 } : null,
    );
    this.#cwd = this.#fs.cwd();
    this.#mountCount = this.#fs.getMounts(this.#fs.root.mount).length;
  }

  /** Bytes of linear memory in the image. */
  get memoryBytes(): number {
    return this.#memoryLength;
  }

  /** Bytes of linear memory now (it grows, never shrinks). */
  get liveMemoryBytes(): number {
    return this.#module.HEAPU8.length;
  }

  /** Puts everything back as it was when the image was taken. */
  restore(): void {
    const heap: Uint8Array = this.#module.HEAPU8;
    // Most of the image is never touched: compare in chunks (read-only, fast), copy the dirty ones
    // and compare those again. Every chunk is then proven equal to the image, in one pass.
    this.#memoryProblem = undefined;
    for (let i = 0, at = 0; i < this.#chunks.length; i++, at += CHUNK) {
      const live = Buffer.from(heap.buffer, heap.byteOffset + at, Math.min(CHUNK, this.#memoryLength - at));
      const saved = this.#chunks[i] ?? ZEROS;
      if (live.compare(saved, 0, live.length) === 0) continue;
      if (this.#chunks[i]) live.set(saved);
      else live.fill(0);
      if (live.compare(saved, 0, live.length) !== 0) this.#memoryProblem = "linear memory";
    }
    // Above the image (memory never shrinks once grown): zero again what is not zero.
    for (let at = this.#memoryLength; at < heap.length; at += CHUNK) {
      const chunk = Buffer.from(heap.buffer, heap.byteOffset + at, Math.min(CHUNK, heap.length - at));
      if (chunk.compare(ZEROS, 0, chunk.length) !== 0) chunk.fill(0);
    }
    if (this.#stackPointer) this.#stackPointer.value = this.#stackPointerValue;

    for (let i = 0; i < this.#hiwire.length; i++) {
      if (this.#readHiwire(i) !== this.#hiwire[i]) this.#module.__hiwire_set(i, this.#hiwire[i]);
    }
    for (let i = this.#hiwire.length; this.#readHiwire(i) !== NO_ENTRY; i++) {
      if (this.#readHiwire(i) !== undefined) this.#module.__hiwire_set(i, undefined);
    }
    if (this.#dedup) {
      this.#dedup.clear();
      for (const [key, value] of this.#dedupEntries) this.#dedup.set(key, value);
    }

    this.#restoreFs();
    const streams = this.#fs.streams as (FsNode | null)[];
    for (let fd = 0; fd < streams.length; fd++) {
      const saved = this.#streams[fd];
      if (streams[fd] && streams[fd] !== saved?.stream) this.#fs.closeStream(fd);
      else if (saved) {
        streams[fd] = saved.stream;
        saved.stream.position = saved.position;
      }
    }
    for (let fd = streams.length; fd < this.#streams.length; fd++) {
      const saved = this.#streams[fd];
      if (saved) {
        streams[fd] = saved.stream;
        saved.stream.position = saved.position;
      }
    }
    if (this.#fs.cwd() !== this.#cwd) this.#fs.chdir(this.#cwd);
  }

  /**
   * Checks the live instance against the image. Returns what differs (empty when equal). Memory
   * below the image size was compared chunk by chunk during `restore`; above it, byte by byte here.
   */
  verify(): string[] {
    const problems: string[] = [];
    const heap: Uint8Array = this.#module.HEAPU8;
    if (this.#memoryProblem) problems.push(this.#memoryProblem);
    if (heap.length > this.#memoryLength) {
      for (let at = this.#memoryLength; at < heap.length; at += CHUNK) {
        const chunk = Buffer.from(heap.buffer, heap.byteOffset + at, Math.min(CHUNK, heap.length - at));
        if (chunk.compare(ZEROS, 0, chunk.length) !== 0) {
          problems.push("memory above the image");
          break;
        }
      }
    }
    if (this.#stackPointer && Number(this.#stackPointer.value) !== this.#stackPointerValue) {
      problems.push("stack pointer");
    }
    for (let i = 0; i < this.#hiwire.length; i++) {
      if (this.#readHiwire(i) !== this.#hiwire[i]) {
        problems.push(`JS reference ${i}`);
        break;
      }
    }
    for (let i = this.#hiwire.length; ; i++) {
      const value = this.#readHiwire(i);
      if (value === NO_ENTRY) break;
      if (value !== undefined) {
        problems.push(`JS reference ${i} (new)`);
        break;
      }
    }
    if (this.#dedup && this.#dedup.size !== this.#dedupEntries.length)
      problems.push("JS reference dedup map");
    const live: FsNode[] = [];
    this.#walk(this.#fs.root, (node) => live.push(node));
    if (live.length !== this.#nodes.length || live.some((node, i) => node !== this.#nodes[i]!.node)) {
      problems.push("file system tree");
    } else {
      for (const saved of this.#nodes) {
        const reason =
          this.#nodeDiffers(saved) ??
          (saved.node !== this.#fs.root && !this.#hashed(saved.node) ? "unlinked" : undefined);
        if (reason) {
          problems.push(`file ${this.#fs.getPath(saved.node)}: ${reason}`);
          break;
        }
      }
    }
    const streams = this.#fs.streams as (FsNode | null)[];
    const streamCount = Math.max(streams.length, this.#streams.length);
    for (let fd = 0; fd < streamCount; fd++) {
      const saved = this.#streams[fd];
      const stream = streams[fd] ?? null;
      if ((saved?.stream ?? null) !== stream || (saved && (stream.position ?? 0) !== saved.position)) {
        problems.push(`file descriptor ${fd}`);
        break;
      }
    }
    if (this.#fs.cwd() !== this.#cwd) problems.push("working folder");
    if (this.#fs.getMounts(this.#fs.root.mount).length !== this.#mountCount) problems.push("mounts");
    return problems;
  }

  /** Whether the node is in Emscripten's name table, which is how MEMFS finds nodes. */
  #hashed(node: FsNode): boolean {
    for (let at = this.#fs.nameTable[this.#fs.hashName(node.parent.id, node.name)]; at; at = at.name_next) {
      if (at === node) return true;
    }
    return false;
  }

  #readHiwire(index: number): unknown {
    try {
      return this.#module.__hiwire_get(index);
    } catch {
      return NO_ENTRY;
    }
  }

  /** Depth-first over the root file system only: never into another mount (device, proc). */
  #walk(node: FsNode, visit: (node: FsNode) => void): void {
    visit(node);
    if (!this.#fs.isDir(node.mode) || node.mount !== this.#fs.root.mount || !node.contents) return;
    if (node.mounted && node !== this.#fs.root) return;
    for (const name of Object.keys(node.contents).sort()) this.#walk(node.contents[name], visit);
  }

  #saveNode(node: FsNode): SavedNode {
    const saved: SavedNode = {
      node,
      parent: node.parent,
      name: node.name,
      mode: node.mode,
      times: [node.atime, node.mtime, node.ctime],
    };
    if (this.#fs.isDir(node.mode) && node.mount === this.#fs.root.mount && node.contents && !node.mounted) {
      saved.children = new Map(Object.entries(node.contents));
    } else if (this.#fs.isFile(node.mode) && node.contents) {
      saved.bytes = Uint8Array.from((node.contents as Uint8Array).subarray(0, node.usedBytes ?? 0));
    } else if (this.#fs.isLink(node.mode)) {
      saved.link = node.link;
    }
    return saved;
  }

  #nodeDiffers(saved: SavedNode): string | undefined {
    const node = saved.node;
    if (node.parent !== saved.parent || node.name !== saved.name) return "moved";
    if (node.mode !== saved.mode) return "mode";
    if (node.atime !== saved.times[0] || node.mtime !== saved.times[1] || node.ctime !== saved.times[2]) {
      return "times";
    }
    if (saved.children) {
      const names = Object.keys(node.contents);
      if (names.length !== saved.children.size) return "entries";
      for (const name of names) if (node.contents[name] !== saved.children.get(name)) return "entries";
    }
    if (saved.bytes) {
      const contents = node.contents as Uint8Array | null;
      if (!contents || (node.usedBytes ?? 0) !== saved.bytes.length) return "size";
      const live = Buffer.from(contents.buffer, contents.byteOffset, saved.bytes.length);
      if (Buffer.compare(live, saved.bytes) !== 0) return "contents";
    }
    if (saved.link !== undefined && node.link !== saved.link) return "link";
    return undefined;
  }

  #restoreFs(): void {
    const fs = this.#fs;
    for (const saved of this.#nodes) {
      const node = saved.node;
      if (saved.children) {
        for (const name of Object.keys(node.contents)) {
          const child = node.contents[name];
          if (saved.children.get(name) !== child) {
            fs.hashRemoveNode(child);
            delete node.contents[name];
          }
        }
      }
    }
    for (const saved of this.#nodes) {
      const node = saved.node;
      if (node.parent !== saved.parent || node.name !== saved.name) {
        fs.hashRemoveNode(node);
        node.parent = saved.parent;
        node.name = saved.name;
      }
      node.mode = saved.mode;
      [node.atime, node.mtime, node.ctime] = saved.times;
      if (saved.children) {
        for (const [name, child] of saved.children) {
          if (node.contents[name] !== child) node.contents[name] = child;
        }
      }
      if (node !== fs.root && !this.#hashed(node)) fs.hashAddNode(node);
      if (saved.bytes) {
        const contents = node.contents as Uint8Array | null;
        const same =
          contents &&
          (node.usedBytes ?? 0) === saved.bytes.length &&
          Buffer.compare(
            Buffer.from(contents.buffer, contents.byteOffset, saved.bytes.length),
            saved.bytes,
          ) === 0;
        if (!same) {
          node.contents = Uint8Array.from(saved.bytes);
          node.usedBytes = saved.bytes.length;
        }
      }
      if (saved.link !== undefined) node.link = saved.link;
    }
  }
}

const NO_ENTRY = Symbol("no entry");
const CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

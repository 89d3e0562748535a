/**
 * A record of the worker's JavaScript-side state that an in-place restore of wasm memory cannot
 * put back: the own properties (and prototypes, extensibility) of the built-in objects and of
 * Pyodide's JS API. A guest that reaches JavaScript through a proxy (e.g. pollutes
 * `Object.prototype`) changes one of them; the engine compares after every execution and replaces
 * the worker on any difference.
 */

/** Keys whose values are not compared (only their presence): e.g. Emscripten's thousands of exports. */
export type KeyFilter = (key: string | symbol) => boolean;

interface ObjectRecord {
  target: object;
  prototype: object | null;
  extensible: boolean;
  keys: (string | symbol)[];
  /** For each key: value, getter and setter, flattened. */
  slots: unknown[];
}

export class JsStateRecord {
  readonly #records: ObjectRecord[];

  readonly #skip: Map<object, KeyFilter>;

  /**
   * Records the built-ins (when `builtins`) and the `extra` objects; for an object in `shallow`,
   * the values of keys its filter rejects are not compared.
   */
  constructor(extra: object[] = [], builtins = true, shallow: Map<object, KeyFilter> = new Map()) {
    this.#skip = shallow;
    // Node defines some globals lazily (a getter that turns into a value on first use): settle them.
    for (const name of Reflect.ownKeys(globalThis)) {
      try {
        void (globalThis as Record<string | symbol, unknown>)[name];
      } catch {}
    }
    this.#records = collectTargets(extra, builtins).map((target) => record(target, this.#skip.get(target)));
  }

  /** Names of the objects whose state differs from the record (empty when none). */
  changes(): string[] {
    const changed: string[] = [];
    for (const saved of this.#records) {
      const now = record(saved.target, this.#skip.get(saved.target));
      const difference = differs(saved, now);
      if (difference) changed.push(`${describe(saved.target)} (${difference})`);
    }
    return changed;
  }
}

function collectTargets(extra: object[], builtins: boolean): object[] {
  const targets = new Set<object>();
  const add = (value: unknown) => {
    if ((typeof value === "object" && value !== null) || typeof value === "function") {
      targets.add(value as object);
      const prototype = (value as { prototype?: unknown }).prototype;
      if (typeof prototype === "object" && prototype !== null) targets.add(prototype);
    }
  };
  if (builtins) {
    add(globalThis);
    for (const name of Reflect.ownKeys(globalThis)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(globalThis, name);
      if (descriptor && "value" in descriptor) add(descriptor.value);
    }
    // Prototypes without a global constructor.
    add(Object.getPrototypeOf(Uint8Array));
    add(Object.getPrototypeOf(Uint8Array.prototype));
    add(Object.getPrototypeOf(function* () {}));
    add(Object.getPrototypeOf(async () => {}));
    add(Object.getPrototypeOf([][Symbol.iterator]()));
    add(Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())));
    for (const value of [WebAssembly, JSON, Math, Reflect, Atomics, Intl]) {
      for (const key of Reflect.ownKeys(value)) add((value as Record<string | symbol, unknown>)[key]);
    }
  }
  for (const object of extra) {
    targets.add(object);
    // Classes among its values (e.g. Pyodide's proxy classes) and their prototypes; not every
    // function (Emscripten's module has thousands of exports, which its own record covers).
    for (const key of Reflect.ownKeys(object)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(object, key);
      const value = descriptor && "value" in descriptor ? descriptor.value : undefined;
      const prototype = typeof value === "function" ? value.prototype : undefined;
      if (prototype && Reflect.ownKeys(prototype).length > 1) add(value);
    }
  }
  return [...targets];
}

function record(target: object, compare?: KeyFilter): ObjectRecord {
  const keys = Reflect.ownKeys(target);
  const slots: unknown[] = [];
  for (const key of keys) {
    if (compare && !compare(key)) {
      slots.push(undefined, undefined, undefined, undefined, undefined);
      continue;
    }
    const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
    slots.push(
      descriptor?.value,
      descriptor?.get,
      descriptor?.set,
      descriptor?.writable,
      descriptor?.configurable,
    );
  }
  return {
    target,
    prototype: Reflect.getPrototypeOf(target),
    extensible: Reflect.isExtensible(target),
    keys,
    slots,
  };
}

/** What differs between two records of one object, or undefined. */
function differs(a: ObjectRecord, b: ObjectRecord): string | undefined {
  if (a.prototype !== b.prototype) return "prototype";
  if (a.extensible !== b.extensible) return "extensibility";
  const n = Math.max(a.keys.length, b.keys.length);
  for (let i = 0; i < n; i++) {
    if (a.keys[i] !== b.keys[i]) return `key ${String(b.keys[i] ?? a.keys[i])}`;
  }
  for (let i = 0; i < a.slots.length; i++) {
    const x = a.slots[i];
    const y = b.slots[i];
    // NaN-valued properties (Number.NaN) compare equal to themselves here.
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y)))
      return `property ${String(a.keys[Math.floor(i / SLOTS)])}`;
  }
  return undefined;
}

const SLOTS = 5;

function describe(target: object): string {
  if (target === globalThis) return "globalThis";
  const name = (target as { name?: unknown }).name;
  if (typeof target === "function" && typeof name === "string") return name;
  const owner = Object.getOwnPropertyDescriptor(target, "constructor")?.value;
  if (typeof owner === "function") return `${owner.name}.prototype`;
  return Object.prototype.toString.call(target);
}

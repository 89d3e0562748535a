/**
 * Guest-side set-up, in small scripts (file name `prelude.js`, whose frames are removed from
 * stacks).
 *
 * `PRELUDE` is evaluated in every fresh context while the execution is prepared, before any request
 * is known. It evaluates to a function that the host calls once with its host functions (so they
 * never appear on `globalThis`); that call defines `console`, timers, `queueMicrotask` and `input`
 * (undefined) and returns the functions the host calls: `setInput(json)` sets `input` from the
 * request, `fire(id)` runs a timer, `settle(promise)` turns the script's completion into a JSON
 * string, `describe(error)` reads a thrown value.
 *
 * QuickJS compiles every function of a script up front, at about 0.2 µs per byte and 10 µs per
 * function on this machine, and that compilation was the largest part of preparing a context. So
 * the prelude is kept small and everything most executions do not need is in `LAZY`, compiled in
 * that context on first use: `format` (console formatting, like Node's `util.inspect`), `convert`
 * (the JSON conversion of a result that is not a primitive), `timers` (the timer table) and
 * `describe` (reading a thrown value). Each is an arrow function that takes the intrinsics the
 * prelude captured before any user code ran.
 *
 * Host functions, passed to the prelude's function:
 * - `write(stream, text)`: 1 = stdout, 2 = stderr; returns false once the output budget is full.
 * - `setHostTimer(id, delay, repeat)`, `clearHostTimer(id)`.
 * - `load(name)`: compiles `LAZY[name]` and returns its value.
 *
 * No regular expression literals: QuickJS compiles them while parsing.
 */
export const PRELUDE_FILE = "prelude.js";

export const PRELUDE = String.raw`(write, setHostTimer, clearHostTimer, load) => {
"use strict";
const g = globalThis, O = Object, defineProperty = O.defineProperty;
const intrinsics = { defineProperty, getPrototypeOf: O.getPrototypeOf, keys: O.keys,
  getOwnPropertySymbols: O.getOwnPropertySymbols, isArray: Array.isArray, parseJson: JSON.parse,
  stringify: JSON.stringify, isFinite: Number.isFinite, Map, Promise, TypeError };
let formatting, converting, timing, describing;
const formatter = () => (formatting ??= load("format")(intrinsics));
const timers = () => (timing ??= load("timers")(setHostTimer, clearHostTimer, intrinsics));
const define = (name, value) => defineProperty(g, name, { value, writable: true, configurable: true });
const out = (...args) => { write(1, formatter().format(args) + "\n"); };
const err = (...args) => { write(2, formatter().format(args) + "\n"); };
const clear = (id) => { timing?.clear(id); };
define("console", { log: out, info: out, debug: out, warn: err, error: err, trace: err });
define("setTimeout", (fn, delay, ...args) => timers().add(fn, delay, args, false));
define("setInterval", (fn, delay, ...args) => timers().add(fn, delay, args, true));
define("clearTimeout", clear);
define("clearInterval", clear);
define("queueMicrotask", (fn) => timers().microtask(fn));
define("input", undefined);
const { stringify, isFinite } = intrinsics;
return {
  setInput: (json) => define("input", intrinsics.parseJson(json)),
  fire: (id) => timing.fire(id),
  describe: (e) => (describing ??= load("describe")(formatter))(e),
  settle: (main) => main.then((completion) => completion.value).then((v) => v === undefined ? v : stringify(
    v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && isFinite(v))
      ? v : (converting ??= load("convert")(intrinsics))(v, [], 0))),
};
}`;

/** Scripts compiled on first use (see above), by name. */
export const LAZY: Readonly<Record<string, string>> = Object.freeze({
  timers: `((setHostTimer, clearHostTimer, intrinsics) => {
"use strict";
const { Map, Promise, TypeError } = intrinsics;
const resolved = Promise.resolve();
let nextTimer = 0;
const timers = new Map();
const callable = (fn) => {
  if (typeof fn !== "function") throw new TypeError("The callback must be a function");
};
return {
  add(fn, delay, args, repeat) {
    callable(fn);
    const id = ++nextTimer;
    timers.set(id, { fn, args, repeat });
    const ms = Number(delay);
    setHostTimer(id, ms > 0 ? ms : 0, repeat);
    return id;
  },
  clear(id) {
    if (timers.delete(id)) clearHostTimer(id);
  },
  fire(id) {
    const t = timers.get(id);
    if (!t) return;
    if (!t.repeat) timers.delete(id);
    t.fn(...t.args);
  },
  microtask(fn) {
    callable(fn);
    resolved.then(() => fn());
  },
};
})`,
  describe: `((formatter) => {
"use strict";
return (e) => {
  if (e instanceof Error) {
    return { type: String(e.name || "Error"), message: String(e.message), stack: typeof e.stack === "string" ? e.stack : "" };
  }
  return { type: "Error", message: "Uncaught " + formatter().inspect(e, 2, [], false), stack: "" };
};
})`,
  format: String.raw`((intrinsics) => {
"use strict";
const { getPrototypeOf, keys, getOwnPropertySymbols, isArray } = intrinsics;
const MAX_ITEMS = 100;

function quote(s) {
  return "'" + s.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n") + "'";
}
function keyText(k) {
  return typeof k === "symbol" ? "[" + k.toString() + "]" : isIdentifier(k) ? k : quote(k);
}
function isIdentifier(k) {
  if (k.length === 0) return false;
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
    if (!letter && (i === 0 || c < 48 || c > 57)) return false;
  }
  return true;
}
function ctorName(v) {
  try {
    const proto = getPrototypeOf(v);
    if (proto === null) return "[Object: null prototype]";
    const c = proto.constructor;
    return typeof c === "function" && typeof c.name === "string" ? c.name : "";
  } catch { return ""; }
}
function wrap(open, items, close, prefix) {
  const head = prefix ? prefix + " " : "";
  if (items.length === 0) return head + open + close;
  const flat = head + open + " " + items.join(", ") + " " + close;
  if (flat.length <= 72 && !flat.includes("\n")) return flat;
  return head + open + "\n  " + items.join(",\n").replaceAll("\n", "\n  ") + "\n" + close;
}
function inspect(v, depth, seen, top) {
  switch (typeof v) {
    case "string": return top ? v : quote(v);
    case "number": return Object.is(v, -0) ? "-0" : String(v);
    case "bigint": return v + "n";
    case "boolean": case "undefined": return String(v);
    case "symbol": return v.toString();
    case "function": {
      const source = Function.prototype.toString.call(v);
      const isClass = source.startsWith("class") && " \t\n{".includes(source[5]);
      return isClass ? "[class " + (v.name || "(anonymous)") + "]" : "[Function: " + (v.name || "(anonymous)") + "]";
    }
  }
  if (v === null) return "null";
  if (seen.includes(v)) return "[Circular]";
  if (v instanceof Error) return v.stack ? v.name + ": " + v.message + "\n" + v.stack.trimEnd() : v.name + ": " + v.message;
  if (v instanceof Date) return isNaN(v) ? "Invalid Date" : v.toISOString();
  if (v instanceof RegExp) return String(v);
  if (v instanceof Promise) return "Promise { <unknown> }";
  if (v instanceof WeakMap || v instanceof WeakSet) return ctorName(v) + " { <items unknown> }";
  const name = ctorName(v);
  if (depth < 0) {
    if (isArray(v)) return "[Array]";
    return "[" + (name && name !== "Object" ? name : "Object") + "]";
  }
  seen.push(v);
  try {
    const items = [];
    if (v instanceof Map) {
      let n = 0;
      for (const [k, val] of v) {
        if (n++ >= MAX_ITEMS) { items.push("... " + (v.size - MAX_ITEMS) + " more items"); break; }
        items.push(inspect(k, depth - 1, seen) + " => " + inspect(val, depth - 1, seen));
      }
      return wrap("{", items, "}", name + "(" + v.size + ")");
    }
    if (v instanceof Set) {
      let n = 0;
      for (const val of v) {
        if (n++ >= MAX_ITEMS) { items.push("... " + (v.size - MAX_ITEMS) + " more items"); break; }
        items.push(inspect(val, depth - 1, seen));
      }
      return wrap("{", items, "}", name + "(" + v.size + ")");
    }
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const shown = Math.min(v.length, MAX_ITEMS);
      for (let i = 0; i < shown; i++) items.push(inspect(v[i], depth - 1, seen));
      if (v.length > shown) items.push("... " + (v.length - shown) + " more items");
      return wrap("[", items, "]", name + "(" + v.length + ")");
    }
    if (isArray(v)) {
      const shown = Math.min(v.length, MAX_ITEMS);
      for (let i = 0; i < shown; i++) items.push(i in v ? inspect(v[i], depth - 1, seen) : "<empty>");
      if (v.length > shown) items.push("... " + (v.length - shown) + " more items");
      return wrap("[", items, "]", name === "Array" ? "" : name);
    }
    for (const k of keys(v)) items.push(keyText(k) + ": " + inspect(v[k], depth - 1, seen));
    for (const s of getOwnPropertySymbols(v)) items.push(keyText(s) + ": " + inspect(v[s], depth - 1, seen));
    return wrap("{", items, "}", name === "Object" ? "" : name);
  } finally {
    seen.pop();
  }
}
function substitute(f, a) {
  switch (f) {
    case "s": return typeof a === "string" ? a : inspect(a, 1, [], false);
    case "d": case "i": return typeof a === "bigint" ? a + "n" : String(f === "i" ? parseInt(a) : Number(a));
    case "f": return String(parseFloat(a));
    case "j": try { return JSON.stringify(a); } catch { return "[Circular]"; }
    case "c": return "";
    default: return inspect(a, 2, [], false);
  }
}
function format(args) {
  let out = "";
  let i = 0;
  if (typeof args[0] === "string" && args[0].includes("%") && args.length > 1) {
    i = 1;
    const template = args[0];
    let from = 0;
    for (let at = template.indexOf("%"); at >= 0 && at < template.length - 1; at = template.indexOf("%", at)) {
      const f = template[at + 1];
      if (!"sdifjoOc%".includes(f)) { at++; continue; }
      out += template.slice(from, at);
      from = at += 2;
      out += f === "%" ? "%" : i < args.length ? substitute(f, args[i++]) : "%" + f;
    }
    out += template.slice(from);
    if (i < args.length) out += " ";
  }
  const rest = [];
  for (; i < args.length; i++) rest.push(inspect(args[i], 2, [], true));
  return out + rest.join(" ");
}
return { format, inspect };
})`,
  convert: `((intrinsics) => {
"use strict";
const { keys, isArray } = intrinsics;

const NOTE_CYCLE = "[Circular]";
function toJson(v, stack, depth) {
  switch (typeof v) {
    case "string": case "boolean": return v;
    case "number": return Number.isFinite(v) ? v : String(v);
    case "bigint": return String(v);
    case "undefined": return undefined;
    case "symbol": return v.toString();
    case "function": return "[Function: " + (v.name || "(anonymous)") + "]";
  }
  if (v === null) return null;
  if (stack.includes(v)) return NOTE_CYCLE;
  if (depth > 200) return "[Too deep]";
  if (v instanceof Date) return isNaN(v) ? null : v.toISOString();
  if (v instanceof RegExp) return String(v);
  if (v instanceof Error) return { name: v.name, message: v.message };
  stack.push(v);
  try {
    if (typeof v.toJSON === "function" && !(v instanceof Map) && !(v instanceof Set)) {
      return toJson(v.toJSON(), stack, depth + 1);
    }
    if (v instanceof Map) {
      const plain = [...v.keys()].every((k) => typeof k === "string" || typeof k === "number");
      if (plain) {
        const o = {};
        for (const [k, val] of v) { const j = toJson(val, stack, depth + 1); if (j !== undefined) o[k] = j; }
        return o;
      }
      return [...v].map(([k, val]) => [toJson(k, stack, depth + 1) ?? null, toJson(val, stack, depth + 1) ?? null]);
    }
    if (v instanceof Set) return [...v].map((val) => toJson(val, stack, depth + 1) ?? null);
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v, (x) => toJson(x, stack, depth + 1));
    if (isArray(v)) return Array.from(v, (x) => toJson(x, stack, depth + 1) ?? null);
    if (v instanceof Promise) return "[Promise]";
    const o = {};
    for (const k of keys(v)) { const j = toJson(v[k], stack, depth + 1); if (j !== undefined) o[k] = j; }
    return o;
  } finally {
    stack.pop();
  }
}
return toJson;
})`,
});

"""The code runner inside the Python sandbox.

Baked into the memory snapshot as the module ``_gateway_runner``. The worker takes ``run`` and
``harden`` from it once after loading the snapshot, then removes the module from ``sys.modules``.
It holds no reference to Pyodide's JavaScript bridge: guest code that finds it gains nothing.
"""

import ast
import asyncio
import builtins
import datetime
import decimal
import fractions
import json
import linecache
import math
import random
import sys
import traceback
import types

FILENAME = "<code>"

# Modules through which Python reaches JavaScript or the host: never importable by guest code.
BLOCKED_PREFIXES = ("js", "pyodide", "pyodide_js", "_pyodide", "_pyodide_core", "_js", "pyodide_http")
BLOCKED_EXACT = ("_ctypes", "ctypes", "_testcapi", "_testinternalcapi", "_testlimitedcapi", "_testmultiphase")

# The standard library pre-imported into the snapshot (the list, plus their helpers).
PRELOADED = (
    "json re math datetime statistics decimal fractions collections itertools functools csv io "
    "string textwrap random hashlib base64 dataclasses typing asyncio"
).split()

MAX_SAFE_INTEGER = 2**53 - 1


def _blocked(name):
    if name in BLOCKED_EXACT:
        return True
    return any(name == prefix or name.startswith(prefix + ".") for prefix in BLOCKED_PREFIXES)


class _BlockedFinder:
    """First on ``sys.meta_path``: refuses the bridge modules by name."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if _blocked(name):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

    @staticmethod
    def invalidate_caches():
        pass


def harden():
    """Cuts every import path from guest code to JavaScript. Runs once per worker, before the
    pristine image is taken. Returns the built-in modules the worker then deletes from the
    interpreter's own tables (``seal.ts``), below anything Python can undo."""
    import _imp
    import importlib._bootstrap as bootstrap

    from _pyodide import _importhook

    for name in ("js", "pyodide_js"):
        try:
            _importhook.unregister_js_module(name)
        except Exception:
            pass
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ not in ("JsFinder",)]
    sys.meta_path.insert(0, _BlockedFinder)

    # Builtin (statically linked) modules are created by _imp.create_builtin, which a guest can
    # call directly with a hand-made spec: wrap it so the blocked names are refused there too. The
    # wrapper can be unwrapped; the worker also removes these modules from the interpreter's own
    # tables (seal.ts), which Python cannot undo.
    original = _imp.create_builtin

    def create_builtin(spec):
        if _blocked(spec.name) or spec.name == "_imp":
            raise ModuleNotFoundError(f"No module named {spec.name!r}", name=spec.name)
        return original(spec)

    _imp.create_builtin = create_builtin
    bootstrap._imp = _imp

    for name in list(sys.modules):
        if _blocked(name):
            del sys.modules[name]
    sys.modules.pop("_gateway_runner", None)

    # time.sleep busy-waits in C, where the interrupt is not seen: sleep in short slices instead,
    # so that a stop request lands within a few milliseconds.
    import time

    original_sleep = time.sleep

    def sleep(seconds):
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            original_sleep(min(left, 0.005))

    sleep.__doc__ = original_sleep.__doc__
    time.sleep = sleep

    # No host folder is mounted and no Pyodide variable describes the host.
    import os

    for key in list(os.environ):
        if key not in ("HOME", "PATH", "LANG", "TZ"):
            del os.environ[key]

    return [name for name in sys.builtin_module_names if _blocked(name)] + ["_imp"]


def preload():
    """Imports the common standard library so that the snapshot holds it."""
    for name in PRELOADED:
        __import__(name)
    import statistics

    statistics.mean([1, 2, 3])
    decimal.Decimal("1.10") + decimal.Decimal("2.205")
    json.loads(json.dumps({"a": [1, 2.5, None]}))


def to_json(value, depth=0, seen=None):
    """Converts a Python value to plain JSON data (the result of an execution)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, fractions.Fraction):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if depth > 100:
        return repr(value)
    if seen is None:
        seen = set()
    if id(value) in seen:
        return "[Circular]"
    if isinstance(value, dict):
        seen.add(id(value))
        out = {str(k) if not isinstance(k, str) else k: to_json(v, depth + 1, seen) for k, v in value.items()}
        seen.discard(id(value))
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        seen.add(id(value))
        out = [to_json(v, depth + 1, seen) for v in value]
        seen.discard(id(value))
        return out
    return repr(value)


def _format_error(exc):
    """Type, message and a traceback limited to the user's own frames."""
    kind = type(exc).__name__
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        lines = traceback.format_exception_only(type(exc), exc)
        return {"type": kind, "message": str(exc.msg), "stack": "".join(lines).rstrip()}
    te = traceback.TracebackException.from_exception(exc, capture_locals=False)
    user = traceback.StackSummary.from_list([f for f in te.stack if f.filename == FILENAME])
    te.stack = user
    # Chained exceptions keep only the user's frames as well.
    cause = te.__cause__ or te.__context__
    while cause is not None:
        cause.stack = traceback.StackSummary.from_list([f for f in cause.stack if f.filename == FILENAME])
        cause = cause.__cause__ or cause.__context__
    stack = "".join(te.format()).rstrip()
    return {"type": kind, "message": str(exc), "stack": stack}


def _outcome(value=None, has_value=False, error=None):
    if error is not None:
        return json.dumps({"error": _format_error(error), "memoryError": isinstance(error, MemoryError)})
    if not has_value or value is None:
        return "{}"
    try:
        return json.dumps({"result": to_json(value)}, ensure_ascii=False, allow_nan=False)
    except BaseException as exc:
        return json.dumps({"error": _format_error(exc), "memoryError": isinstance(exc, MemoryError)})


def _compile(code):
    tree = ast.parse(code, FILENAME, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    body = compile(tree, FILENAME, "exec", flags=flags, dont_inherit=True)
    tail = compile(last, FILENAME, "eval", flags=flags, dont_inherit=True) if last is not None else None
    return body, tail


def _flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass


def _is_coroutine(code):
    return bool(code.co_flags & 0x80)  # CO_COROUTINE


def run(code, input_json, seed):
    """Runs one execution. Returns the outcome as a JSON string, or a Future of it when the code
    awaits at top level."""
    random.seed(seed)
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)
    scope = {"__name__": "__main__", "__builtins__": builtins, "input": json.loads(input_json)}
    try:
        body, tail = _compile(code)
    except BaseException as exc:
        return _outcome(error=exc)
    if _is_coroutine(body) or (tail is not None and _is_coroutine(tail)):
        return asyncio.ensure_future(_run_async(body, tail, scope))
    try:
        eval(body, scope)
        value = eval(tail, scope) if tail is not None else None
    except BaseException as exc:
        _flush()
        return _outcome(error=exc)
    _flush()
    return _outcome(value, tail is not None)


async def _run_async(body, tail, scope):
    try:
        result = eval(body, scope)
        if _is_coroutine(body):
            await result
        value = None
        if tail is not None:
            value = eval(tail, scope)
            if _is_coroutine(tail):
                value = await value
    except BaseException as exc:
        _flush()
        return _outcome(error=exc)
    _flush()
    return _outcome(value, tail is not None)


# Keep references the guest cannot undo by editing module globals.
__all__ = ["harden", "preload", "run", "to_json", "types"]

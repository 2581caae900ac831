"""another-harness differential driver.

Calls ENTRY (`module:function`) on every input of INPUTS (one JSON array of arguments per
line) and writes one JSON line per input to OUTPUTS: {"i": n, "ok": value} or
{"i": n, "raised": "ExceptionType"}. Values are encoded from what they are, never from
what they say about themselves: a str subclass is written as its characters, an int or a
float through the base type's repr, containers element by element through the base
type's iterator, and anything else as its type and repr. So an object whose __eq__
claims equality with anything gains nothing: equality is decided by the harness, on data.

usage: python3 driver.py ENTRY INPUTS OUTPUTS [IMPORT_ROOT...]
"""

import importlib
import json
import sys

_dumps = json.dumps
_loads = json.loads


def _canon(value, depth=0):
    if depth > 64:
        return {"too_deep": True}
    kind = type(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return bool.__repr__(value) == "True"
    if isinstance(value, int):
        digits = int.__repr__(value)
        number = int(digits)
        return number if -(2**53) <= number <= 2**53 else {"int": digits}
    if isinstance(value, float):
        text = float.__repr__(value)
        if text in ("nan", "inf", "-inf"):
            return {"float": text}
        return float(text)
    if isinstance(value, complex):
        return {"complex": [_canon(value.real, depth + 1), _canon(value.imag, depth + 1)]}
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bytes):
        return {"bytes": bytes.hex(value)}
    if isinstance(value, bytearray):
        return {"bytearray": bytearray.hex(value)}
    if isinstance(value, tuple):
        return {"tuple": [_canon(item, depth + 1) for item in tuple.__iter__(value)]}
    if isinstance(value, list):
        return [_canon(item, depth + 1) for item in list.__iter__(value)]
    if isinstance(value, dict):
        pairs = [[_canon(key, depth + 1), _canon(item, depth + 1)] for key, item in dict.items(value)]
        return {"dict": sorted(pairs, key=_dumps)}
    if isinstance(value, (set, frozenset)):
        items = [_canon(item, depth + 1) for item in (set.__iter__(value) if isinstance(value, set) else frozenset.__iter__(value))]
        return {"set": sorted(items, key=_dumps)}
    name = getattr(kind, "__qualname__", "?")
    module = getattr(kind, "__module__", "?")
    try:
        text = kind.__repr__(value)
    except BaseException as error:  # noqa: BLE001 - the value's own repr is untrusted
        text = "<repr raised " + type(error).__name__ + ">"
    return {"object": str(module) + "." + str(name), "repr": str.__str__(text) if isinstance(text, str) else "?"}


def main():
    entry, inputs_path, outputs_path = sys.argv[1], sys.argv[2], sys.argv[3]
    roots = sys.argv[4:]
    # Opened before the code under test is imported: its prints go to stdout, not here.
    out = open(outputs_path, "w", encoding="utf-8")
    with open(inputs_path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    for root in reversed(roots):
        sys.path.insert(0, root)
    module_name, _, attribute = entry.partition(":")
    try:
        target = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except BaseException as error:  # noqa: BLE001 - report any failure to load the entry
        out.write(_dumps({"load_error": type(error).__name__ + ": " + str(error)[:500]}) + "\n")
        out.flush()
        return
    for index, line in enumerate(lines):
        args = _loads(line)
        if not isinstance(args, list):
            args = [args]
        try:
            record = {"i": index, "ok": _canon(target(*args))}
        except BaseException as error:  # noqa: BLE001 - the exception's type is the outcome
            record = {"i": index, "raised": type(error).__name__}
        try:
            text = _dumps(record, ensure_ascii=True, allow_nan=False)
        except BaseException as error:  # noqa: BLE001
            text = _dumps({"i": index, "unencodable": type(error).__name__})
        out.write(text + "\n")
        out.flush()


main()

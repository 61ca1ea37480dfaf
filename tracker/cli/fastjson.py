"""``json.dumps(doc, ensure_ascii=False, indent=2, default=…)``, byte for byte, about twice as fast.

With ``indent`` the standard library encodes in pure Python (its C encoder only writes compact
JSON); ``tracker list --json`` on 10,000 cases spent 0.12 s there. This encoder handles the
plain types the CLI prints (dict with str keys, list, tuple, str, int, float, bool, None, and
what ``default`` turns other objects into) with one string per container; anything else — a
subclass, a non-str key, NaN, a cycle — is left to ``json.dumps`` itself, so the output is always
exactly what it would write.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _string  # the C version when available
from collections.abc import Callable
from typing import Any

_int = int.__repr__
_float = float.__repr__
_INF = float("inf")
_KEYS: dict[str, str] = {}   # '"key": ' for the field names seen (bounded)
_PLAIN = (str, int, float, list, tuple, dict)


class _Fallback(Exception):
    pass


def _enc(o: Any, ind: str, default: Callable[[Any], Any] | None) -> str:
    t = type(o)
    if t is str:
        return _string(o)
    if t is dict:
        if not o:
            return "{}"
        ind2 = ind + "  "
        parts = []
        add = parts.append
        keys = _KEYS
        for k, v in o.items():
            kp = keys.get(k)
            if kp is None:
                if type(k) is not str:
                    raise _Fallback
                kp = _string(k) + ": "
                if len(keys) < 4096:
                    keys[k] = kp
            t2 = type(v)
            if t2 is str:
                add(kp + _string(v))
            elif v is None:
                add(kp + "null")
            elif v is True:
                add(kp + "true")
            elif v is False:
                add(kp + "false")
            elif t2 is int:
                add(kp + _int(v))
            else:
                add(kp + _enc(v, ind2, default))
        return "{\n" + ind2 + (",\n" + ind2).join(parts) + "\n" + ind + "}"
    if t is list or t is tuple:
        if not o:
            return "[]"
        ind2 = ind + "  "
        return "[\n" + ind2 + (",\n" + ind2).join([_enc(v, ind2, default) for v in o]) + "\n" + ind + "]"
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if t is int:
        return _int(o)
    if t is float:
        if o != o or o == _INF or o == -_INF:
            raise _Fallback
        return _float(o)
    if default is None or isinstance(o, _PLAIN):  # subclasses: as json.dumps treats them
        raise _Fallback
    return _enc(default(o), ind, default)


def dumps(doc: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(doc, ensure_ascii=False, indent=2, default=default)``."""
    try:
        return _enc(doc, "", default)
    except (_Fallback, RecursionError):
        return json.dumps(doc, ensure_ascii=False, indent=2, default=default)

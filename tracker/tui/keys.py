"""Key bindings whose descriptions follow the UI language.

Textual reads ``BINDINGS`` when a class is created, which is at import; the language may be
chosen later (``--lang``, tests). Bindings made with :func:`bind` remember both labels, and
:func:`relabel` rewrites them in the current language before the app starts."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding

from tracker.core.i18n import pick

_LABELS: dict[tuple[str, str], tuple[str, str]] = {}


def bind(keys: str, action: str, zh: str, en: str, **kw) -> Binding:
    _LABELS[(keys, action)] = (zh, en)
    return Binding(keys, action, pick(zh, en), **kw)


def relabel(*classes: type) -> None:
    """Put every remembered binding of these classes (and their bases) in the current language."""
    seen: set[type] = set()
    for cls in classes:
        for klass in reversed(cls.__mro__):
            if klass in seen or "BINDINGS" not in vars(klass):
                continue
            seen.add(klass)
            klass.BINDINGS = [replace(b, description=pick(*_LABELS[(b.key, b.action)]))
                              if isinstance(b, Binding) and (b.key, b.action) in _LABELS else b
                              for b in klass.BINDINGS]
    for cls in classes:
        for klass in reversed(cls.__mro__):
            if hasattr(klass, "_merge_bindings") and "BINDINGS" in vars(klass):
                klass._merged_bindings = klass._merge_bindings()
        cls._merged_bindings = cls._merge_bindings()

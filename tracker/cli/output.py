"""Output helpers: one JSON document on stdout, or human tables measured in terminal cells."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any

from tracker.core.cells import cells, clip


def _default(o: Any):
    import datetime as _dt

    if isinstance(o, Decimal):
        return int(o) if o == o.to_integral_value() else float(o)
    if isinstance(o, (_dt.date, _dt.datetime)):
        return o.isoformat()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def emit_json(doc: Any) -> str:
    """Write ``doc`` as one JSON document; returns the text written."""
    from tracker.cli.fastjson import dumps  # the same text as json.dumps(indent=2), faster

    text = dumps(doc, default=_default) + "\n"
    sys.stdout.write(text)
    return text


def pad(s: str, width: int) -> str:
    return s + " " * max(0, width - cells(s))


def table(headers: list[str], rows: list[list[str]], max_widths: list[int] | None = None) -> str:
    rows = [[("" if c is None else str(c)).replace("\n", " ") for c in r] for r in rows]
    if max_widths:
        rows = [[clip(c, max_widths[i]) if i < len(max_widths) and max_widths[i] else c for i, c in enumerate(r)]
                for r in rows]
    widths = [cells(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], cells(c))
    lines = ["  ".join(pad(h, widths[i]) for i, h in enumerate(headers)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for r in rows:
        lines.append("  ".join(pad(c, widths[i]) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")

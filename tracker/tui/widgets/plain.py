"""Text widgets for user text: never parsed as markup (an opinion "[/]" displays as typed)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Plain(Static):
    """A Static whose string content is shown literally."""

    def __init__(self, content: str | Text = "", **kw) -> None:
        super().__init__(content, markup=False, **kw)

    def show(self, content: str | Text) -> None:
        self.update(content)

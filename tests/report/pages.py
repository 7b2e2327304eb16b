"""Reading a rendered report back: its tables and summary figures as text, the way a reader sees them."""

from __future__ import annotations

from html.parser import HTMLParser


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.figures: dict[str, str] = {}
        self._heading: list[str] | None = None
        self._last_heading = ""
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._figure: dict[str, list[str]] | None = None
        self._part: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in ("h2", "h3"):
            self._heading = []
        elif tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []
        elif tag == "div" and "figure" in classes:
            self._figure = {"v": [], "l": []}
            self._depth = 1
        elif tag == "div" and self._figure is not None:
            self._depth += 1
            self._part = next((c for c in ("v", "l") if c in classes), None)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h2", "h3") and self._heading is not None:
            self._last_heading = " ".join("".join(self._heading).split())
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None and self._rows is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._last_heading] = self._rows
            self._rows = None
        elif tag == "div" and self._figure is not None:
            self._depth -= 1
            self._part = None
            if self._depth == 0:
                label = " ".join("".join(self._figure["l"]).split())
                self.figures[label] = " ".join("".join(self._figure["v"]).split())
                self._figure = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._figure is not None and self._part is not None:
            self._figure[self._part].append(data)


def read_page(html: str) -> tuple[dict[str, list[list[str]]], dict[str, str]]:
    """The page's tables by the heading above them (header row first), and its summary figures by label."""
    reader = _Reader()
    reader.feed(html)
    return reader.tables, reader.figures

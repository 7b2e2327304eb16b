"""A document's text as HTML with spans highlighted in layers: the quote a link points to, claims, mentions.

Spans of different layers overlap freely in the data (a mention inside a claim, a quote that
straddles two claims), but HTML elements must nest. So the text is cut at every boundary: an outer
layer's element is never split, an inner layer's span is cut where an outer element starts or ends,
and within one layer the spans are made disjoint beforehand. Only text is escaped and only
attributes are added, so the page's text content is exactly the document's text, which is what lets
a reviewer's selection give the offsets of a new claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    tag: str  # "mark" or "span"
    attrs: tuple[tuple[str, str], ...] = ()


def disjoint(spans: Sequence[Span]) -> list[Span]:
    """Keep, from left to right, the longest span at each place; drop any that overlaps one kept."""
    kept: list[Span] = []
    reached = 0
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if span.end > span.start and span.start >= reached:
            kept.append(span)
            reached = span.end
    return kept


def _open(span: Span) -> str:
    attrs = "".join(f' {name}="{escape(value)}"' for name, value in span.attrs)
    return f"<{span.tag}{attrs}>"


def highlight(text: str, layers: Sequence[Sequence[Span]]) -> Markup:
    """`text` with each layer's (disjoint, sorted) spans as elements, the first layer outermost."""
    ordered = [sorted(layer, key=lambda s: s.start) for layer in layers]
    parts: list[str] = []

    def emit(start: int, end: int, depth: int) -> None:
        if start >= end:
            return
        if depth == len(ordered):
            # A carriage return as a reference: the HTML parser would turn a literal one into a line feed.
            parts.append(str(escape(text[start:end])).replace("\r", "&#13;"))
            return
        position = start
        for span in ordered[depth]:
            if span.end <= start:
                continue
            if span.start >= end:
                break
            inner_start, inner_end = max(span.start, start), min(span.end, end)
            emit(position, inner_start, depth + 1)
            parts.append(_open(span))
            emit(inner_start, inner_end, depth + 1)
            parts.append(f"</{span.tag}>")
            position = inner_end
        emit(position, end, depth + 1)

    emit(0, len(text), 0)
    return Markup("".join(parts))

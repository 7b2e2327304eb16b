"""Highlighting a document's text in layers: the elements nest, and the text itself is never changed."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from vigie.web.pages.highlight import Span, disjoint, highlight


class _Checker(HTMLParser):
    """Collects the text and fails on an end tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check(markup: str) -> str:
    parser = _Checker()
    parser.feed(markup)
    parser.close()
    assert parser.open == []
    return "".join(parser.text)


def test_a_mention_inside_a_claim_inside_the_quote() -> None:
    text = "Unit 8200 used <storage> & AI."
    out = highlight(text, [
        [Span(0, 14, "mark", (("id", "quote"),))],
        [Span(0, 30, "span", (("class", "claim"),))],
        [Span(0, 9, "mark", (("class", "mention"), ("title", 'a "name"')))],
    ])  # fmt: skip
    assert str(out) == (
        '<mark id="quote"><span class="claim"><mark class="mention" title="a &#34;name&#34;">Unit 8200</mark>'
        ' used</span></mark><span class="claim"> &lt;storage&gt; &amp; AI.</span>'
    )
    assert check(str(out)) == text


def test_disjoint_keeps_the_longest_span_at_each_place() -> None:
    israel = Span(42, 48, "mark", (("title", "territory"),))
    ministry = Span(42, 68, "mark", (("title", "organisation"),))
    later = Span(60, 70, "mark")
    after = Span(70, 75, "mark")
    assert disjoint([israel, later, ministry, after]) == [ministry, after]


spans = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=8)


@given(
    text=st.text(alphabet=st.sampled_from(list("ab <>&\"'é\n\r🙂")), max_size=40),
    quote=spans,
    claims=spans,
    mentions=spans,
)
def test_the_text_survives_any_spans_and_the_elements_nest(
    text: str, quote: list[tuple[int, int]], claims: list[tuple[int, int]], mentions: list[tuple[int, int]]
) -> None:
    def layer(pairs: list[tuple[int, int]], tag: str) -> list[Span]:
        return disjoint([Span(min(a, b, len(text)), min(max(a, b), len(text)), tag) for a, b in pairs])

    out = str(highlight(text, [layer(quote, "mark"), layer(claims, "span"), layer(mentions, "mark")]))
    assert check(out) == text
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == text

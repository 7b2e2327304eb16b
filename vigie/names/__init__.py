"""Names: comparing organisations and people across languages, scripts and acronyms.

The stable API is `compare(a, b, kind="organisation" | "person") -> Match`; a Match carries its
score in [0, 1] and the features that made it. See docs/names.md.
"""

from vigie.names.compare import MATCH, Feature, Match, compare

__all__ = ["MATCH", "Feature", "Match", "compare"]

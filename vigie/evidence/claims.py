"""Claims: per sentence (and clause), who did what with which service to whom, where and when.

A claim exists where a stance cue of the document's language fires in a clause — alleges,
denies, confirms, acts (suspends, disables, terminates, approves, refuses), demands, finds — or
where a harm word and an actor or service stand together. Every claim keeps its quote's offsets
and the cue words that made it, so a reader can check it against the text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, Protocol, TypeVar

from vigie.evidence.dates import FoundDate, find_dates
from vigie.evidence.lexicon import Language
from vigie.evidence.matcher import Hit
from vigie.evidence.mentions import Mention
from vigie.evidence.text import Span, clauses, sentences

ACTOR_KINDS = ("organisation", "provider")
STANCE_ORDER = ("denies", "acts", "confirms", "demands", "finds", "alleges")


@dataclass(frozen=True)
class Cue:
    kind: str  # stance, action, harm, attribution, date
    value: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Claim:
    start: int
    end: int
    quote: str
    stance: str
    actions: tuple[str, ...]
    actors: tuple[Mention, ...]
    services: tuple[Mention, ...]
    harms: tuple[str, ...]
    places: tuple[Mention, ...]
    date: str | None
    date_text: str | None
    attributed_to: str | None
    cues: tuple[Cue, ...]

    @property
    def capabilities(self) -> tuple[str, ...]:
        return tuple(sorted({c for s in self.services for c in s.capabilities}))

    def as_json(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "actors": [{"text": a.text, "entity_id": a.entity_id, "kind": a.kind} for a in self.actors],
            "services": [
                {"text": s.text, "entity_id": s.entity_id, "capabilities": list(s.capabilities)} for s in self.services
            ],
            "harms": list(self.harms),
            "places": [{"text": p.text, "entity_id": p.entity_id} for p in self.places],
            "date": self.date,
            "stance": self.stance,
            "actions": list(self.actions),
            "attributed_to": self.attributed_to,
            "cues": [{"kind": c.kind, "value": c.value, "text": c.text, "start": c.start} for c in self.cues],
        }


class _Located(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


L = TypeVar("L", bound=_Located)


class _Index(Generic[L]):
    """Items sorted by start offset, to pick those inside a span quickly."""

    def __init__(self, items: Sequence[L]) -> None:
        self.items = sorted(items, key=lambda i: i.start)
        self.starts = [i.start for i in self.items]

    def within(self, start: int, end: int) -> list[L]:
        lo = bisect_left(self.starts, start)
        hi = bisect_right(self.starts, end - 1)
        return [i for i in self.items[lo:hi] if i.end <= end]


def _attribution(
    text: str, cues: list[Hit[str]], actors: list[Mention], persons: list[tuple[int, int]]
) -> tuple[str | None, Cue | None]:
    """Who the sentence says is speaking: anonymous sources, "according to X", "X said" or "said X"."""
    candidates = sorted([(m.start, m.end, m.text) for m in actors] + [(s, e, text[s:e]) for s, e in persons])
    ordered = sorted(cues, key=lambda c: (c.payload != "anonymous", c.start))
    for cue in ordered:
        found = Cue("attribution", cue.payload, text[cue.start : cue.end], cue.start, cue.end)
        if cue.payload == "anonymous":
            return "anonymous sources", found
        after = [c for c in candidates if cue.end <= c[0] <= cue.end + 60]
        if cue.payload == "after" and after:
            return after[0][2], found
        if cue.payload == "before":
            inverted = [c for c in after if c[0] <= cue.end + 3]  # "ont déclaré Human Rights Watch"
            if inverted:
                return inverted[0][2], found
            before = [c for c in candidates if c[1] <= cue.start]
            if before:
                return before[-1][2], found
            if after:
                return after[0][2], found
    return None, None


def _distinct(mentions: list[Mention]) -> list[Mention]:
    seen: set[str] = set()
    out: list[Mention] = []
    for m in mentions:
        key = m.entity_id or m.text.casefold()
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def extract_claims(
    text: str,
    folded: str,
    lang: Language,
    mentions: Sequence[Mention],
    reference: date | None,
    persons: Sequence[tuple[int, int]] = (),
) -> list[Claim]:
    stance_idx = _Index(lang.stances.find(text, folded))
    action_idx = _Index(lang.actions.find(text, folded))
    harm_idx = _Index(lang.harms.find(text, folded))
    attribution_idx = _Index(lang.attribution.find(text, folded))
    mention_idx = _Index(list(mentions))
    person_starts = sorted(persons)
    claims: list[Claim] = []
    for sentence in sentences(text):
        in_sentence: list[Mention] = mention_idx.within(sentence.start, sentence.end)
        actors = _distinct([m for m in in_sentence if m.kind in ACTOR_KINDS])
        services = _distinct([m for m in in_sentence if m.kind == "service"])
        places = _distinct([m for m in in_sentence if m.kind == "territory"])
        sentence_persons = [p for p in person_starts if sentence.start <= p[0] and p[1] <= sentence.end]
        attributed, attribution_cue = _attribution(
            text, attribution_idx.within(sentence.start, sentence.end), actors, sentence_persons
        )
        dates = find_dates(text, sentence.start, sentence.end, lang, reference)
        for clause in clauses(text, sentence, lang.clause_breaks):
            stance_hits: list[Hit[str]] = stance_idx.within(clause.start, clause.end)
            action_hits: list[Hit[str]] = action_idx.within(clause.start, clause.end)
            harm_hits: list[Hit[str]] = harm_idx.within(clause.start, clause.end)
            cues = [Cue("stance", h.payload, text[h.start : h.end], h.start, h.end) for h in stance_hits]
            cues += [Cue("action", h.payload, text[h.start : h.end], h.start, h.end) for h in action_hits]
            stance = _stance(stance_hits, action_hits)
            harms = tuple(sorted({h.payload for h in harm_hits}))
            if stance is None:
                if not harms or not (actors or services):
                    continue
                stance = "alleges"
            cues += [Cue("harm", h.payload, text[h.start : h.end], h.start, h.end) for h in harm_hits]
            if attribution_cue:
                cues.append(attribution_cue)
            speaker = attributed
            if speaker is None and stance != "alleges":
                # The subject: the first actor of the sentence, when it comes before the cue.
                first_cue = min((c.start for c in cues if c.kind in ("stance", "action")), default=clause.start)
                before = [a for a in actors if a.end <= first_cue]
                speaker = before[0].text if before else None
            when = _date_for(dates, clause)
            if when is not None:
                cues.append(Cue("date", when.value or "", when.text, when.start, when.end))
            claims.append(
                Claim(
                    start=clause.start,
                    end=clause.end,
                    quote=text[clause.start : clause.end],
                    stance=stance,
                    actions=tuple(sorted({h.payload for h in action_hits})),
                    actors=tuple(actors),
                    services=tuple(services),
                    harms=harms,
                    places=tuple(places),
                    date=when.value if when else None,
                    date_text=when.text if when else None,
                    attributed_to=speaker,
                    cues=tuple(sorted(cues, key=lambda c: (c.start, c.kind))),
                )
            )
    return claims


def _stance(stances: list[Hit[str]], actions: list[Hit[str]]) -> str | None:
    """A denial wins (it negates the rest); otherwise the first cue in reading order decides."""
    if any(h.payload == "denies" for h in stances):
        return "denies"
    cues = [(h.start, h.payload) for h in stances] + [(h.start, "acts") for h in actions]
    return min(cues)[1] if cues else None


def _date_for(dates: list[FoundDate], clause: Span) -> FoundDate | None:
    inside = [d for d in dates if clause.start <= d.start < clause.end]
    if inside:
        return inside[0]
    return dates[0] if dates else None

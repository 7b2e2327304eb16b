"""Allegations: claims grouped per relationship — organisation × service × harm.

An allegation counts its independent sources (distinct publishers), keeps the strongest kind of
source, when it was first and last seen, and the statements against it. Denials are kept beside
the allegation they answer, never used to drop it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ALLEGING = frozenset({"alleges", "finds", "confirms"})


@dataclass(frozen=True)
class ClaimView:
    """A stored claim with what allegations need of its document."""

    claim_id: str
    document_id: str
    publisher: str | None
    kind: str
    when: str | None  # the claim's date, else its document's
    stance: str
    quote: str
    org_ids: tuple[str, ...]
    services: tuple[str, ...]  # service ids, or capability tags as "capability:<tag>"
    harms: tuple[str, ...]


@dataclass
class Allegation:
    org_id: str
    service: str  # a service id, "capability:<tag>", or "*" when the claims name no service
    harm: str
    claims: list[ClaimView] = field(default_factory=list)
    denials: list[ClaimView] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        return sorted({(c.publisher or c.document_id).casefold() for c in self.claims})

    def strongest_kind(self, strength: Sequence[str]) -> str:
        order = {k: i for i, k in enumerate(strength)}
        return min((c.kind for c in self.claims), key=lambda k: order.get(k, len(order)))

    @property
    def first_seen(self) -> str | None:
        dates = sorted(c.when for c in self.claims if c.when)
        return dates[0] if dates else None

    @property
    def last_seen(self) -> str | None:
        dates = sorted(c.when for c in self.claims if c.when)
        return dates[-1] if dates else None

    def as_json(self, strength: Sequence[str]) -> dict[str, object]:
        return {
            "organisation": self.org_id,
            "service": self.service,
            "harm": self.harm,
            "independent_sources": len(self.sources),
            "sources": self.sources,
            "strongest_source_kind": self.strongest_kind(strength),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "claims": [c.claim_id for c in self.claims],
            "denials": [{"claim": d.claim_id, "quote": d.quote, "publisher": d.publisher} for d in self.denials],
        }


def group(claims: Iterable[ClaimView]) -> list[Allegation]:
    by_key: dict[tuple[str, str, str], Allegation] = {}
    denials: list[ClaimView] = []
    for claim in claims:
        if claim.stance == "denies":
            denials.append(claim)
            continue
        if claim.stance not in ALLEGING or not claim.harms:
            continue
        for org in claim.org_ids:
            for service in claim.services or ("*",):
                for harm in claim.harms:
                    key = (org, service, harm)
                    if key not in by_key:
                        by_key[key] = Allegation(org, service, harm)
                    by_key[key].claims.append(claim)
    # A denial answers every allegation about the same organisation and harm, whatever the service.
    for allegation in by_key.values():
        allegation.denials = [
            d for d in denials if allegation.org_id in d.org_ids and (allegation.harm in d.harms or not d.harms)
        ]
    return sorted(by_key.values(), key=lambda a: (a.org_id, a.harm, a.service))

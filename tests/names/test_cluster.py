"""The screening job on a local Dask cluster of two worker processes gives the local path's results."""

from __future__ import annotations

import gc
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.names.test_service import a_list
from vigie.demo import DATA, TERRITORIES
from vigie.names.cluster import local_cluster, screen_on
from vigie.names.screen import Entry, Index, Screening, screen
from vigie.names.service import run_screen
from vigie.names.tables import ScreenMatch, ScreenRun
from vigie.register.service import import_files
from vigie.store.bulk import paused_gc
from vigie.store.engine import session_scope

SUBJECTS = [
    Entry("il-mod", ("Israel Ministry of Defense", "IMOD"), countries=frozenset({"IL"})),
    Entry("unit-8200", ("Unit 8200",), countries=frozenset({"IL"})),
    Entry("fr-dgse", ("Direction générale de la sécurité extérieure",), countries=frozenset({"FR"})),
    Entry("acme", ("Valtoria Brenix Holdings Ltd",)),
    Entry("fsb", ("Federal Security Service of the Russian Federation",), countries=frozenset({"RU"})),
]
CANDIDATES = [
    Entry("l-mod", ("ministère israélien de la Défense",)),
    Entry("l-8200", ("Unité 8200",)),
    Entry("l-8201", ("Unité 8201",)),
    Entry("l-dgse", ("DGSE",)),
    Entry("l-acme", ("VALTORIA-BRENIX HOLDINGS LIMITED",)),
    Entry("l-fsb", ("ФСБ",)),
    Entry("l-fr-mod", ("ministère français de la Défense",), countries=frozenset({"FR"})),
]
EXPECTED = {("il-mod", "l-mod"), ("unit-8200", "l-8200"), ("fr-dgse", "l-dgse"), ("acme", "l-acme"), ("fsb", "l-fsb")}


def _noise(count: int, seed: int) -> list[Entry]:
    """Companies with invented names, so that the slices and the blocks are not trivial."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    return [
        Entry(f"n{seed}-{i}", (" ".join("".join(rng.sample(syllables, 3)).capitalize() for _ in range(2)) + " Ltd",))
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with local_cluster(2) as c:
        yield c


def _as_rows(result: Screening) -> list[tuple[Any, ...]]:
    return [(h.subject, h.candidate, h.subject_name, h.candidate_name, h.match.as_json()) for h in result.hits]


def test_two_workers_give_the_local_results(client: Any) -> None:
    subjects = SUBJECTS + _noise(3000, 1)
    candidates = CANDIDATES + _noise(800, 2) + [Entry("copy", subjects[-1].names)]
    local = Screening()
    index = Index(candidates)
    for start in range(0, len(subjects), 700):
        local.add(screen(subjects[start : start + 700], index))
    distributed = screen_on(client, subjects, candidates, chunk=700)
    assert _as_rows(distributed) == _as_rows(local)
    assert (distributed.pairs, distributed.compared, distributed.comparisons) == (
        local.pairs,
        local.compared,
        local.comparisons,
    )
    found = {(h.subject, h.candidate) for h in distributed.hits}
    assert found >= EXPECTED
    assert (subjects[-1].id, "copy") in found
    assert ("unit-8200", "l-8201") not in found and ("il-mod", "l-fr-mod") not in found
    # Both workers took part: each built the index for itself.
    workers = client.run(lambda: __import__("vigie.names.cluster", fromlist=["_INDEXES"])._INDEXES.__len__())
    assert len(workers) == 2 and all(n == 1 for n in workers.values())


def test_a_screening_leaves_no_reference_cycles() -> None:
    """A worker freezes what each slice leaves behind (vigie/names/cluster.py): sound only while
    screening makes no cyclic garbage, which the collector alone would free: names new to the
    process, analysed, profiled and cached, and matches of every kind among them."""
    subjects = SUBJECTS + _noise(400, 3)
    candidates = CANDIDATES + _noise(300, 4) + [Entry("copy", subjects[-1].names)]
    index = Index(candidates)
    gc.collect()
    with paused_gc():
        result = screen(subjects, index)
        assert len(result.hits) >= len(EXPECTED) + 1
        assert gc.collect() == 0


def test_a_new_candidate_set_replaces_the_workers_index(client: Any) -> None:
    first = screen_on(client, SUBJECTS, CANDIDATES)
    second = screen_on(client, SUBJECTS, [Entry("only", ("Unit 8200",))])
    assert {(h.subject, h.candidate) for h in second.hits} == {("unit-8200", "only")}
    assert len(first.hits) > len(second.hits)


def test_the_screening_job_stores_the_same_matches_from_the_cluster(
    engine: Engine, client: Any, tmp_path: Path
) -> None:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    listing = a_list(tmp_path)
    local = run_screen(engine, [listing], "alice")
    remote = run_screen(engine, [listing], "alice", client=client)

    def stored(hits: list[ScreenMatch]) -> list[tuple[Any, ...]]:
        return sorted((m.subject_id, m.candidate_id, m.score, json.dumps(m.features)) for m in hits)

    assert stored(remote.hits) == stored(local.hits) and local.hits
    assert remote.pairs == local.pairs
    with session_scope(engine) as session:
        engines = list(session.scalars(select(ScreenRun.engine).order_by(ScreenRun.id)))
    assert engines[0] == "local" and engines[1].startswith("dask:tcp://127.0.0.1:")

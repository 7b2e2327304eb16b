"""The names modules run compiled (setup.py, docs/decisions/0007-compiled-names.md), from their sources
as they are, and their sources still run as plain Python with the same results.

The rest of the suite exercises the compiled build; these tests catch a build that is missing (the
suite would pass, slower, on the plain modules) or older than an edit of its sources (the suite would
test code that is no longer the source), and keep the plain fallback honest.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import vigie
from tests.names.test_fast import TRICKY
from vigie.names.analyse import analyse
from vigie.names.gazetteer import gazetteer

# The modules setup.py compiles: those with a `.pxd` file beside them.
ROOT = Path(vigie.__file__).parent.parent
COMPILED = sorted(".".join(pxd.relative_to(ROOT).with_suffix("").parts) for pxd in (ROOT / "vigie").rglob("*.pxd"))


def test_the_compiled_modules_are_found_by_their_pxd_files() -> None:
    assert COMPILED == ["vigie.names.compare", "vigie.names.screen"]  # (else the test below would run for none)


@pytest.mark.parametrize("name", COMPILED)
def test_the_module_in_use_is_compiled_from_its_present_sources(name: str) -> None:
    built = Path(importlib.import_module(name).__file__ or "")
    assert built.suffix == ".so", f"{name} runs uncompiled from {built}: run scripts/setup"
    source = built.parent / (name.rsplit(".", 1)[1] + ".py")
    for path in (source, source.with_suffix(".pxd")):
        assert built.stat().st_mtime >= path.stat().st_mtime, (
            f"{built.name} is older than {path.name}: run scripts/setup"
        )


def _plain(name: str) -> ModuleType:
    """The module's source, run as plain Python under another name."""
    path = Path(sys.modules[name].__file__ or "").with_name(name.rsplit(".", 1)[1] + ".py")
    spec = importlib.util.spec_from_file_location(name.replace(".", "_") + "_plain", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up there)
    spec.loader.exec_module(module)
    assert (module.__file__ or "").endswith(".py")
    return module


def test_the_plain_source_scores_and_explains_as_the_compiled_module() -> None:
    compiled, plain = sys.modules["vigie.names.compare"], _plain("vigie.names.compare")
    gaz = gazetteer()
    for a, b in TRICKY:
        # Names analysed afresh for each side: a name keeps the profile of the first module that compares it.
        analyse.cache_clear()
        expected = compiled.compare_analysed(analyse(a), analyse(b), gaz)
        analyse.cache_clear()
        got = plain.compare_analysed(analyse(a), analyse(b), gaz)
        assert type(got.features) is tuple
        assert (got.score, [tuple(f) for f in got.features]) == (
            expected.score,
            [tuple(f) for f in expected.features],
        ), (a, b)
    analyse.cache_clear()


def test_the_plain_source_pre_scores_and_screens_as_the_compiled_module() -> None:
    """The pre-scoring loop reads lists when plain and numpy's arrays as C arrays when compiled."""
    compiled, plain = sys.modules["vigie.names.screen"], _plain("vigie.names.screen")
    assert compiled.COMPILED and not plain.COMPILED
    names = sorted({n for pair in TRICKY for n in pair if n.strip()})
    subjects = [compiled.Entry(f"s{i}", (n,)) for i, n in enumerate(names)]
    candidates = [compiled.Entry(f"c{i}", (n,)) for i, n in enumerate(reversed(names))]
    results = []
    for module in (compiled, plain):
        index = module.Index(candidates, gazetteer())
        prepared = [module.prepare(e, index.gaz) for e in subjects]
        rows, cands, pre = index.candidates(prepared)
        hits = module.screen(subjects, index).hits
        results.append((rows.tolist(), cands.tolist(), pre.tolist(), [(h.subject, h.candidate, h.score) for h in hits]))
    assert len(results[0][0]) > len(names)  # pairs found beyond each name and itself
    assert results[0] == results[1]


def test_compiled_records_are_left_out_of_the_cycle_collector() -> None:
    """Screening keeps a Match (and a Hit) for each pair compared: made in C (compare.pxd's `_new`),
    neither they nor their features are tracked, so collections do not walk them; made in plain Python
    by `tuple.__new__`, they are. Both compare and hash alike."""
    compiled, plain = sys.modules["vigie.names.compare"], _plain("vigie.names.compare")
    a, b = "Kedoko Industries GmbH", "Keoko Industries GmbH"
    analyse.cache_clear()
    made = compiled.compare_analysed(analyse(a), analyse(b), gazetteer())
    analyse.cache_clear()
    slow = plain.compare_analysed(analyse(a), analyse(b), gazetteer())
    analyse.cache_clear()
    assert len(made.features) > 1
    assert not gc.is_tracked(made) and not gc.is_tracked(made.features)
    assert not any(gc.is_tracked(f) for f in made.features)
    assert gc.is_tracked(slow)
    assert type(made) is compiled.Match and type(made.features[0]) is compiled.Feature
    assert tuple(made) == tuple(slow) and hash(tuple(made)) == hash(tuple(slow))
    screen = sys.modules["vigie.names.screen"]
    index = screen.Index([screen.Entry("c", (b,))], gazetteer())
    (hit,) = screen.screen([screen.Entry("s", (a,))], index).hits
    assert type(hit) is screen.Hit and not gc.is_tracked(hit) and hit.match == made

"""The instructions vigie's scoring of the screening benchmark's slice takes, counted by valgrind.

    python bench/instructions.py [--runs 40] [--seed 7] [--slice-register 10000] [--slice-list 1000]

bench/screening.py times vigie's scoring of its slice (pre-scoring the candidate pairs, and comparing
in full those that pass, each giving its Match) against LogicV2's. On a shared machine the speed of
both moves by a third from one minute to the next, and by three times from one day to another; the
instructions a scoring takes do not, so this counts them, to tell what a change of the code did.

It generates the data as bench/screening.py does (about 80 s, not counted) and keeps the same slice,
then runs the scoring of the slice under valgrind's callgrind twice, `--runs` and twice `--runs`
times after a first run (which makes the names' profiles, as a screening does), and prints the
difference over `--runs`: the instructions of one scoring of the slice, and per candidate pair.
Everything else the process does (starting Python, loading the slice, blocking) is the same in both
and cancels out. Both run with the same hash seed (PYTHONHASHSEED=0), without which the order of
sets and the collisions of dicts, and so the count, change from one process to the next.
Needs valgrind (Debian's package `valgrind`); takes a few minutes.
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def measure(path: str, runs: int) -> None:
    """Run under valgrind: the slice's scoring, `runs` times after a first run."""
    from screening import Scoring

    from vigie.names.gazetteer import gazetteer

    with open(path, "rb") as f:
        register, listing = pickle.load(f)
    scoring = Scoring(register, listing, gazetteer())
    # What was built so far stays: out of the cycle collector's sight, as a screening worker freezes
    # it, so that a full collection of it does not land in one count and not the other.
    gc.collect()
    gc.freeze()
    for _ in range(runs + 1):
        scoring()
    print(len(scoring.rows))


def counted(path: str, runs: int) -> tuple[int, int]:
    """The instructions of a run of `measure` under callgrind, and the slice's candidate pairs."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
         "--measure", path, "--runs", str(runs)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no count:\n{done.stderr}")
    return int(found.group(1)), int(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--slice-register", type=int, default=10_000)
    parser.add_argument("--slice-list", type=int, default=1_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the run under valgrind
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.runs)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("bench/instructions.py needs valgrind: apt-get install valgrind")
    from screening import generate, slice_of

    print("generating 1,000,000 × 100,000 as bench/screening.py does (not counted)", flush=True)
    data = generate(1_000_000, 100_000, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "slice.pickle")
        with open(path, "wb") as f:
            pickle.dump(slice_of(data, args.slice_register, args.slice_list), f)
        del data
        print(f"counting {args.runs} and {2 * args.runs} scorings of the slice under valgrind", flush=True)
        once, pairs = counted(path, args.runs)
        twice, _ = counted(path, 2 * args.runs)
    each = (twice - once) / args.runs
    print(f"candidate pairs:           {pairs:,}")
    print(f"instructions a scoring:    {each:,.0f} ({each / max(pairs, 1):,.0f} a candidate pair)")


if __name__ == "__main__":
    main()

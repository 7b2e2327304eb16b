"""Screening on a Dask cluster: the same `screen`, on slices of the subjects, on many processes.

The candidates are sent to every worker once; each worker builds its own `Index` from them the
first time a slice reaches it and keeps it for the next slices. Slices come back in the order
they were sent and are joined in that order, so the hits, pair counts and explanations are those
of the local path (docs/decisions/0002-screening-scale-out.md says why Dask).
"""

from __future__ import annotations

import gc
import hashlib
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from vigie.names.compare import MATCH
from vigie.names.screen import Entry, Index, Screening, screen
from vigie.store.bulk import paused_gc

CHUNK = 10_000
_INDEXES: dict[str, Index] = {}  # on each worker: the index of each candidate set, by its digest


def _distributed() -> Any:
    """Dask's distributed package, imported when a cluster is asked for (it is slow to import)."""
    import distributed

    return distributed


def digest(entries: Sequence[Entry]) -> str:
    """Names a candidate set, so that a worker can tell whether it has its index already."""
    h = hashlib.sha256()
    for e in entries:
        h.update(repr((e.id, e.names, e.kind, sorted(e.countries))).encode())
    return h.hexdigest()


def _screen_slice(subjects: bytes, candidates: bytes, token: str, threshold: float, limit: int) -> Screening:
    """Runs on a worker. Entries travel pickled: as Python lists, Dask would look inside every
    entry for keys of other tasks (and a scattered list becomes one future per element)."""
    with paused_gc():
        index = _INDEXES.get(token)
        if index is None:
            _INDEXES.clear()  # one candidate set at a time: a worker's memory is not unlimited
            index = _INDEXES[token] = Index(pickle.loads(candidates))
        result = screen(pickle.loads(subjects), index, threshold, limit)
        # The index, which lives as long as the worker, and what a slice leaves behind (the names it
        # analysed, kept in `analyse`'s cache with their profiles): out of the collector's sight before
        # it is enabled again, instead of walked once a slice and again in each older generation (some
        # 40 % of the full benchmark's time). A screening makes no reference cycles
        # (tests/names/test_cluster.py), so nothing is kept that the collector would have freed.
        gc.freeze()
    return result


def screen_on(
    client: Any,
    subjects: Sequence[Entry],
    candidates: Sequence[Entry],
    threshold: float = MATCH,
    limit: int = 5,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> Screening:
    """`screen` of every subject against the candidates, run by the workers of a Dask `client`."""
    dist = _distributed()
    token = digest(candidates)
    shared = client.scatter(pickle.dumps(list(candidates), protocol=5), broadcast=True, hash=False)
    starts = list(range(0, len(subjects), chunk))
    # A few slices a worker in flight, not all: the subjects are sent as they are needed and the
    # results gathered as they come, so neither side holds everything twice.
    window = 2 * max(1, len(client.scheduler_info().get("workers", {})))
    results: dict[int, Screening] = {}
    pending = dist.as_completed()
    sizes: dict[str, tuple[int, int]] = {}
    done = 0

    def send(n: int) -> None:
        part = list(subjects[starts[n] : starts[n] + chunk])
        key = f"vigie-screen-{token[:12]}-{n}"
        future = client.submit(_screen_slice, pickle.dumps(part, protocol=5), shared, token, threshold, limit, key=key)
        sizes[future.key] = (n, len(part))
        pending.add(future)

    for n in range(min(window, len(starts))):
        send(n)
    next_slice = min(window, len(starts))
    for future in pending:
        n, size = sizes.pop(future.key)
        results[n] = future.result()
        future.release()
        done += size
        if progress is not None:
            progress(done, len(subjects))
        if next_slice < len(starts):
            send(next_slice)
            next_slice += 1
    result = Screening()
    for n in range(len(starts)):  # in the order of the slices: the local path's order
        result.add(results[n])
    return result


@contextmanager
def local_cluster(workers: int) -> Iterator[Any]:
    """A cluster of `workers` processes on this machine, one thread each, for the CLI and the tests."""
    dist = _distributed()
    import dask

    # Workers' statistical profiler walks every task's frames many times a second: CPU taken
    # from screening, for a dashboard nobody here looks at.
    with (
        dask.config.set({"distributed.worker.profile.enabled": False}),
        dist.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        dist.Client(cluster) as client,
    ):
        yield client


@contextmanager
def connect(address: str) -> Iterator[Any]:
    """A client of a running Dask scheduler (`tcp://host:8786`)."""
    with _distributed().Client(address) as client:
        yield client

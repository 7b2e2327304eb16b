"""A set of integers that answers many membership questions at once, with numpy.

Pre-scoring asks, for every pair of a slice, whether each of a name's keys is among the
candidate's: thousands of questions on a set of millions of (key, candidate) codes. A binary search
of a sorted array (`np.searchsorted`) costs some twenty random reads a question; this hash table,
kept at most half full, answers most in one or two reads, all the questions of a round at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
_EMPTY = np.int64(-1)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of code × 2⁶⁴/φ


class KeySet:
    """The non-negative int64 codes given, and `contains` for an array of them.

    Open addressing with linear probing, without wrapping round: a code sits at its home slot or
    after it, with no empty slot between, and the table ends with an empty slot. Built at once by
    placing the codes in the order of their home slots, each at its home or just after the one
    placed before it.
    """

    def __init__(self, codes: IntArray) -> None:
        codes = np.asarray(codes, dtype=np.int64)
        if len(codes) > 1 and not (codes[1:] > codes[:-1]).all():
            codes = np.unique(codes)  # (an index's codes come sorted and unique already)
        if len(codes) and codes[0] < 0:
            raise ValueError("KeySet holds non-negative codes only")
        self.bits = max(4, int(np.ceil(np.log2(max(len(codes), 1) * 2))))
        home = self._slot(codes)
        order = np.argsort(home, kind="stable")
        i = np.arange(len(codes), dtype=np.int64)
        # The i-th code placed goes to max(its home, where the one before went + 1).
        at = i + np.maximum.accumulate(home[order] - i) if len(codes) else i
        size = max(1 << self.bits, int(at[-1]) + 1 if len(at) else 0) + 1
        self.table = np.full(size, _EMPTY, dtype=np.int64)
        self.table[at] = codes[order]

    def _slot(self, codes: IntArray) -> IntArray:
        mixed = codes.astype(np.uint64) * _MIX  # wraps around 2⁶⁴, as it should
        return (mixed >> np.uint64(64 - self.bits)).astype(np.int64)

    def contains(self, codes: IntArray) -> npt.NDArray[np.bool_]:
        codes = np.asarray(codes, dtype=np.int64)
        found = np.zeros(len(codes), dtype=bool)
        slot = self._slot(codes)
        held = self.table[slot]
        hit = held == codes
        found[hit] = True
        # Questions that met another code go on probing; an empty slot ends one with "no".
        active = np.flatnonzero(~hit & (held != _EMPTY))
        while len(active):
            slot[active] += 1
            held = self.table[slot[active]]
            hit = held == codes[active]
            found[active[hit]] = True
            active = active[~hit & (held != _EMPTY)]
        return found

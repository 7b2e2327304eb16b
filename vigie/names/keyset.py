"""A set of integers that answers many membership questions at once, with numpy.

Pre-scoring asks, for every pair of a slice, whether each of a name's keys is among the
candidate's: thousands of questions on a set of millions of (key, candidate) codes. A binary search
of a sorted array (`np.searchsorted`) costs some twenty random reads a question; this hash table,
kept at most half full, answers most in one read, all the questions at once, and the others in a
second step that reads, for each of them at once, every slot where its code could be.
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
    placed before it. `reach` is how far from its home slot the farthest code went: a code is
    held if and only if it sits within that many slots after its home.
    """

    def __init__(self, codes: IntArray) -> None:
        codes = np.asarray(codes, dtype=np.int64)
        if len(codes) > 1 and not (codes[1:] > codes[:-1]).all():
            codes = np.unique(codes)  # (an index's codes come sorted and unique already)
        if len(codes) and codes[0] < 0:
            raise ValueError("KeySet holds non-negative codes only")
        self.bits = max(4, int(np.ceil(np.log2(max(len(codes), 1) * 2))))
        self._shift = np.uint64(64 - self.bits)
        home = self._slot(codes)
        order = np.argsort(home, kind="stable")
        i = np.arange(len(codes), dtype=np.int64)
        # The i-th code placed goes to max(its home, where the one before went + 1).
        at = i + np.maximum.accumulate(home[order] - i) if len(codes) else i
        self.reach = int((at - home[order]).max()) if len(codes) else 0
        # Empty slots after the last code, so that a code's window never runs off the end.
        size = max(1 << self.bits, int(at[-1]) + 1 if len(at) else 0) + 1 + self.reach
        self.table = np.full(size, _EMPTY, dtype=np.int64)
        self.table[at] = codes[order]
        self._steps = np.arange(1, self.reach + 1, dtype=np.int64)

    def _slot(self, codes: IntArray) -> IntArray:
        mixed = codes.view(np.uint64) * _MIX  # wraps around 2⁶⁴, as it should
        return (mixed >> self._shift).view(np.int64)  # (the top bits: a small non-negative number)

    def contains(self, codes: IntArray) -> npt.NDArray[np.bool_]:
        """Whether each code is held: at its home slot, or (a code that met another there) within
        `reach` slots after it, looked at all at once. A fixed number of numpy steps whatever the
        probe lengths, which is what a slice of a few hundred pairs pays for (a round of steps per
        probe length took three times as long)."""
        codes = np.asarray(codes, dtype=np.int64)
        slot = self._slot(codes)
        held = self.table[slot]
        found: npt.NDArray[np.bool_] = held == codes
        if self.reach:
            rest = np.flatnonzero(~found & (held != _EMPTY))  # an empty home slot: not held
            if len(rest):
                window = self.table[slot[rest, None] + self._steps]
                found[rest] = (window == codes[rest, None]).any(axis=1)
        return found

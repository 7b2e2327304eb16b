"""A set of integers, as a hash table in one numpy array, built at once from millions of codes.

Pre-scoring asks, for every pair of a slice, whether each of a name's keys is among the
candidate's: thousands of questions on a set of millions of (key, candidate) codes. The table is kept
at most half full, so that most questions are answered by one read, and is a plain array of int64 so
that the compiled pre-scoring loop (`vigie.names.screen._prescore`) reads it as a C array. A Python
set of as many ints would take ten times the memory.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
EMPTY = -1
MIX = 0x9E3779B97F4A7C15  # Fibonacci hashing: the top bits of code × 2⁶⁴/φ, modulo 2⁶⁴
MASK = (1 << 64) - 1


class KeySet:
    """The non-negative int64 codes given, and `code in keyset`.

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
        self.shift = 64 - self.bits
        home = (codes.view(np.uint64) * np.uint64(MIX) >> np.uint64(self.shift)).view(np.int64)  # wraps, as it should
        order = np.argsort(home, kind="stable")
        i = np.arange(len(codes), dtype=np.int64)
        # The i-th code placed goes to max(its home, where the one before went + 1).
        at = i + np.maximum.accumulate(home[order] - i) if len(codes) else i
        self.reach = int((at - home[order]).max()) if len(codes) else 0
        # Empty slots after the last code, so that a code's window never runs off the end.
        size = max(1 << self.bits, int(at[-1]) + 1 if len(at) else 0) + 1 + self.reach
        self.table = np.full(size, EMPTY, dtype=np.int64)
        self.table[at] = codes[order]

    def __contains__(self, code: int) -> bool:
        """At its home slot, or (a code that met another there) within `reach` slots after it."""
        slot = ((code * MIX) & MASK) >> self.shift
        if self.table[slot] == code:
            return True
        if self.table[slot] == EMPTY:
            return False
        return bool((self.table[slot + 1 : slot + self.reach + 1] == code).any())

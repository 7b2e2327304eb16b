# The C types of screen.py's scoring loop, for Cython (setup.py; docs/decisions/0007-compiled-names.md):
# `compare_known` is called as a C function of the compiled compare module, once a pair.
from vigie.names.compare cimport _new, compare_known

cimport cython

@cython.locals(
    out=list, compared=list, subject_id=str, candidate_id=str, kind=str, other_kind=str, text=str,
    other_text=str, body=frozenset,
    other_body=frozenset, countries=frozenset, where=frozenset,
)
cpdef list _score_all(object subjects, object index, object rows, object positions)

# The pre-scoring loop: numpy's arrays read as C arrays, the hash table's arithmetic in C (the
# multiplication wraps round modulo 2⁶⁴ as unsigned C arithmetic does; MASK is then a no-op).
ctypedef long long i64
ctypedef unsigned long long u64
cdef u64 MIX, MASK
cdef i64 EMPTY

@cython.locals(
    p=Py_ssize_t, name=i64, where=i64, shared=double, decisive=bint, first_part=i64, part=i64, first=i64, k=i64,
    code=i64, slot=i64, found=bint, at=i64, mass=double, pre=double,
)
cpdef void _prescore(
    const i64[:] names, const i64[:] positions, const i64[:] p_start, const i64[:] p_count,
    const i64[:] part_first, const i64[:] part_size, const i64[:] key, const double[:] part_value,
    const double[:] part_share, const double[:] name_mass, const double[:] entry_mass, const i64[:] table,
    i64 n, int shift, i64 reach, double[:] out,
)

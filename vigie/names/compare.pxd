# The C types of compare.py's hot path, for Cython (setup.py; docs/decisions/0007-compiled-names.md).
# compare.py stays plain Python and runs as it is where it is not compiled; this file alone says what
# is compiled to what: `Profile` becomes an extension type whose fields are read as C struct members,
# and the functions a screening calls once or more a pair become cpdef functions, called from C
# within this module and from screen.py, with C numbers for their scores, weights and positions.
# A signature here must match the function's in compare.py, or the build fails.

cimport cython

# `_new(cls, fields)`: a record (`Feature`, `Match`, screen's `Hit`: named tuples) made from a tuple
# of its fields. `tuple.__new__` gets there through a Python call, an argument tuple sliced and
# parsed, and a copy: most of what a pair compared spends on its records. This copies the fields
# straight into the new record. It also untracks the record from the cycle collector, as CPython
# does for a plain tuple that holds only strings and numbers: a record's fields are strings, floats
# and tuples of records, made before it, so no reference cycle can pass through it; without that,
# each collection walks every Match a screening has kept. A field that is a plain tuple of such
# records (a Match's features) is untracked with it, as the collector would on its first pass.
cdef extern from *:
    """
    static int vigie_untracked(PyObject *o) {
        return !PyObject_IS_GC(o) || !PyObject_GC_IsTracked(o);
    }
    static PyObject *vigie_record(PyTypeObject *cls, PyObject *fields) {
        if (!PyType_IsSubtype(cls, &PyTuple_Type)) {
            PyErr_SetString(PyExc_TypeError, "a record is a tuple");
            return NULL;
        }
        Py_ssize_t n = PyTuple_GET_SIZE(fields);
        PyObject *out = cls->tp_alloc(cls, n);
        if (out == NULL) return NULL;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = PyTuple_GET_ITEM(fields, i);
            if (PyTuple_CheckExact(item) && !vigie_untracked(item)) {
                Py_ssize_t k = 0, size = PyTuple_GET_SIZE(item);
                while (k < size && vigie_untracked(PyTuple_GET_ITEM(item, k))) k++;
                if (k == size) PyObject_GC_UnTrack(item);
            }
            Py_INCREF(item);
            PyTuple_SET_ITEM(out, i, item);
        }
        PyObject_GC_UnTrack(out);
        return out;
    }
    """
    object _new "vigie_record"(type cls, tuple fields)

cdef class Profile:
    cdef public str text, kind, quoted
    cdef public object acronym, twin
    cdef public frozenset numbers, countries, key_set, written
    cdef public tuple classes, halves, keys, left, reprs, roles, same, spans, surfaces, weights, wordlike, words
    cdef public dict by_class, by_key
    cdef public list alone_first, alone_second
    cdef public Py_ssize_t first_legal
    cdef public bint distinct, plain
    cdef public double total
    cpdef object alone(self, Py_ssize_t i, bint first)

cpdef double _round4(double score)

@cython.locals(pa=Profile, pb=Profile)
cpdef object compare_known(object a, object b, object gaz, frozenset body_a, frozenset body_b)

cpdef object compare_profiled(object a, object b, Profile pa, Profile pb, object gaz, frozenset body_a, frozenset body_b)

cpdef object compare_plain(object a, object b, Profile pa, Profile pb)

@cython.locals(score=double, shared=frozenset, features=list)
cpdef object _organisations(object a, object b, Profile pa, Profile pb, object gaz, frozenset body_a, frozenset body_b)

cpdef object _same_body(object gaz, str body_id)

@cython.locals(features=list, score=double)
cpdef tuple _direct(object a, object b)

cpdef str _caps(double cap)

@cython.locals(cap=double)
cpdef tuple _disagreements(Profile a, Profile b, double score, list features)

cpdef str _how(Profile a, Py_ssize_t i, Profile b, Py_ssize_t j)

@cython.locals(i=Py_ssize_t, j=Py_ssize_t)
cpdef tuple twins(Profile a, Profile b)

cpdef tuple _profiled_words(Profile pa, Profile pb)

@cython.locals(
    features=list, left_a=int, left_b=int, distinct=bint, matched_a=double, matched_b=double, total=double,
    score=double, best=double, weight=double, i=Py_ssize_t, j=Py_ssize_t, by_key=dict, roles=tuple,
    weights=tuple, surfaces=tuple, b_surfaces=tuple, a_keys=frozenset,
)
cpdef tuple _unlike(Profile pa, Profile pb)

@cython.locals(
    shortest=Py_ssize_t, longest=Py_ssize_t, size=Py_ssize_t, best=double, value=double, partner=Py_ssize_t,
    k=Py_ssize_t, j=Py_ssize_t,
)
cpdef tuple _org_partner(Profile a, Py_ssize_t i, Profile b)

@cython.locals(longest=Py_ssize_t, shorter=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, ratio=double)
cpdef double _typo(str x, str y)

"""Compiles the names comparison and screening with Cython (docs/decisions/0007-compiled-names.md).

The modules stay plain Python: `vigie/names/compare.py` and `vigie/names/screen.py` run as they
are wherever they are not compiled, and the `.pxd` files beside them give the compiler the C types
of their hot functions and of `Profile`. Annotations are left to mypy (`annotation_typing=False`):
the `.pxd` files alone say what is compiled to what.
"""

from pathlib import Path

from Cython.Build import cythonize
from setuptools import setup

# A module is compiled when a `.pxd` file beside it gives its C types (scripts/setup and
# tests/names/test_compiled.py find them the same way).
COMPILED = sorted(str(pxd.with_suffix(".py")) for pxd in Path("vigie").rglob("*.pxd"))

extensions = cythonize(COMPILED, compiler_directives={"language_level": 3, "annotation_typing": False}, quiet=True)
for extension in extensions:
    # GCC 12 takes CPython's object headers for out-of-bounds reads (a known false alarm).
    extension.extra_compile_args = ["-Wno-array-bounds"]

setup(ext_modules=extensions)

"""The numba shim: ``njit`` is numba's when numba imports, an identity decorator otherwise,
so every module stays importable.  (The thread runner of the kernels is
:mod:`rnnchaos._lib.threads`, which does not import numba: a process that only draws
networks and hands them to workers never pays numba's start-up.)
"""
from __future__ import annotations

try:  # numba is a dependency; the fallback keeps the module importable without it
    from numba import njit
    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only without numba
    HAVE_NUMBA = False

    def njit(*args, **kwargs):
        if args and callable(args[0]):
            return args[0]
        return lambda f: f

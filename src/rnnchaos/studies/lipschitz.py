"""The Lipschitz study: a map with a large Lipschitz constant that is not chaotic.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from flint import fmpq

from ..exact.lyapunov import lipschitz_constant, lyapunov_exponent
from ..exact.pl import PiecewiseLinear
from ..networks.examples import lipschitz_example


def lipschitz_study(n_orbits: int, steps: int, seed: int, *, max_iter: int = 10) -> dict[str, Any]:
    """The Lipschitz example measured: exact Lipschitz constant, periods, entropy bounds, and
    the Lyapunov exponents of ``n_orbits`` exact orbits from random rational x0 in [0, 1]
    (x0 = k / (2^61 - 1), k from ``default_rng(SeedSequence(seed))``).

    >>> s = lipschitz_study(3, 50, seed=0)
    >>> s["period_3"], s["entropy_upper"], max(s["lyapunov_upper"]) < 0
    (False, 0.0, True)
    """
    from ..exact.entropy import entropy_bounds
    from ..exact.orbits import GRID_PRIME
    from ..exact.periodic import periodic_orbits

    net = lipschitz_example()
    g = PiecewiseLinear.from_network(net)
    rep = periodic_orbits(g, max_iter)
    eb = entropy_bounds(g, max_iter)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    ups, lows, exps, x0s = [], [], [], []
    for _ in range(n_orbits):
        x0 = fmpq(int(rng.integers(1, GRID_PRIME)), GRID_PRIME)
        r = lyapunov_exponent(g, x0, steps)
        ups.append(r.upper)
        lows.append(r.lower)
        exps.append(r.exponent)
        x0s.append(str(x0))
    lip = lipschitz_constant(g)
    return {"lipschitz_constant": str(lip), "lipschitz_constant_float": float(lip.p) / float(lip.q),
            "lipschitz_on_01": float(lipschitz_constant(g, (0, 1)).p) / float(lipschitz_constant(g, (0, 1)).q),
            "periods": rep.periods, "period_3": rep.period_3, "max_period": max_iter,
            "entropy_lower": eb.lower, "entropy_upper": eb.upper,
            "steps": steps, "seed": seed, "x0": x0s, "lyapunov_exponent": exps,
            "lyapunov_lower": lows, "lyapunov_upper": ups}

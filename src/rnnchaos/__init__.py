"""rnnchaos: measure, certify and explain chaos in randomly initialized recurrent networks.

An RNN run without input is a dynamical system ``x_{t+1} = f(x_t)``.  rnnchaos decides
exactly (rational arithmetic) which periods a piecewise-linear scalar map has, whether it
is Li-Yorke chaotic (period 3) and how much (entropy bounds, Lyapunov exponents), estimates
the probability of chaos over random initializations with confidence intervals, and
reproduces the experiments of "On Scrambling Phenomena for Randomly Initialized Recurrent
Networks" (NeurIPS 2022).  The documentation is in ``docs/`` of the source tree.

API index (each name is importable from ``rnnchaos``; the module is where it lives)

Networks (:mod:`rnnchaos.networks`)
    ``ScalarRNN``, ``Network``, ``Layer``, ``Activation``     a network map R -> R, from JSON specs
    ``NetworkBatch``                                          many networks of one shape, as arrays
    ``build_preset``, ``sample_preset``, ``PRESETS``          the paper's initializations, seeded draws
    ``sample_preset_batch``                                   a batch of seeded draws
    ``VectorRNN``, ``build_vector_preset``, ``sample_vector_preset``  maps on R^d
    ``load_torch_map``                                        import a torch RNN/GRU/LSTM/Sequential
    ``tent_network``, ``lipschitz_example``                   canonical example maps

Exact analysis of one piecewise-linear map (:mod:`rnnchaos.exact`)
    ``PiecewiseLinear``                                       exact breakpoints and slopes (python-flint)
    ``periodic_orbits``, ``PeriodicReport``                   all periods <= N on R, orbits, certificate
    ``verify_certificate``, ``sharkovsky_key``                re-check a Li-Yorke point; Sharkovsky order
    ``invariant_interval``, ``InvariantInterval``             a compact interval holding every periodic orbit
    ``entropy_bounds``                                        rigorous bounds on topological entropy
    ``region_counts``                                         exact pieces and laps of f^t
    ``exact_orbit``, ``ball_orbit``                           exact and certified (ball) orbits
    ``lyapunov_exponent``                                     the Lyapunov exponent of a scalar orbit

Batch verdicts (:mod:`rnnchaos.deciders`)
    ``decide``                                                period_2 / period_3 / positive_entropy /
                                                              reference_test for a whole batch, exact
    ``CRITERIA``                                              the criteria ``decide`` answers
    ``reference_test``                                        the authors' notebook test, faithfully

Maps on R^d (:mod:`rnnchaos.dynamics`)
    ``lyapunov_spectrum``, ``lyapunov_max``                   Lyapunov spectra by the QR method
    ``mean_field_critical_std``                               the order-to-chaos weight scale

Studies over many random draws (:mod:`rnnchaos.studies`)
    ``estimate``                                              P(criterion) with Wilson intervals
    ``make_config``, ``run_sweep``, ``read_results``          resumable Parquet sweeps over a grid
    ``wilson_interval``                                       the Wilson score interval
    ``persistence_study``, ``scrambling_statistics``          persistence and scrambling experiments

Reporting (:mod:`rnnchaos.reporting`)
    ``reproduce``                                             every experiment of the paper as HTML

Errors (:mod:`rnnchaos.errors`)
    ``RnnchaosError``, ``SpecError``, ``NotPiecewiseLinearError``, ``ResourceLimitError``

>>> import rnnchaos
>>> f = rnnchaos.tent_network()
>>> rep = rnnchaos.periodic_orbits(f, max_period=3)
>>> rep.periods, rnnchaos.verify_certificate(f, rep.li_yorke_certificate)
([1, 2, 3], True)

Names are imported on first use, so ``import rnnchaos`` stays light.
"""
from __future__ import annotations

import importlib

from .errors import (  # noqa: F401
    NotPiecewiseLinearError,
    ResourceLimitError,
    RnnchaosError,
    SpecError,
)

__version__ = "0.1.0"

#: Public name -> module (below ``rnnchaos``) that defines it.
_API = {
    "Activation": "networks.model", "Layer": "networks.model", "Network": "networks.model",
    "ScalarRNN": "networks.model",
    "NetworkBatch": "networks.batch", "sample_preset_batch": "networks.batch",
    "PRESETS": "networks.presets", "build_preset": "networks.presets",
    "sample_preset": "networks.presets",
    "VectorRNN": "networks.vector", "build_vector_preset": "networks.vector",
    "sample_vector_preset": "networks.vector",
    "load_torch_map": "networks.torch_import",
    "tent_network": "networks.examples", "lipschitz_example": "networks.examples",
    "PiecewiseLinear": "exact.pl",
    "InvariantInterval": "exact.invariant", "invariant_interval": "exact.invariant",
    "PeriodicReport": "exact.periodic", "periodic_orbits": "exact.periodic",
    "sharkovsky_key": "exact.periodic", "verify_certificate": "exact.periodic",
    "entropy_bounds": "exact.entropy",
    "region_counts": "exact.regions",
    "exact_orbit": "exact.orbits", "ball_orbit": "exact.orbits",
    "lyapunov_exponent": "exact.lyapunov",
    "decide": "deciders.verdicts",
    "CRITERIA": "deciders.criteria",
    "reference_test": "deciders.reference",
    "lyapunov_spectrum": "dynamics.lyapunov", "lyapunov_max": "dynamics.lyapunov",
    "mean_field_critical_std": "dynamics.meanfield",
    "estimate": "studies.montecarlo",
    "make_config": "studies.sweep", "run_sweep": "studies.sweep", "read_results": "studies.sweep",
    "wilson_interval": "studies.stats",
    "persistence_study": "studies.persistence",
    "scrambling_statistics": "studies.scrambling",
    "reproduce": "reporting.reproduce",
}

__all__ = sorted([*_API, "NotPiecewiseLinearError", "ResourceLimitError", "RnnchaosError",
                  "SpecError", "__version__"])


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'rnnchaos' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return __all__

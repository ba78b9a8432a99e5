"""rnnchaos: measure, certify and explain chaos in randomly initialized RNNs.

Core objects: :class:`ScalarRNN` (a network map R -> R), :class:`PiecewiseLinear`
(its exact form), :func:`periodic_orbits` (exact periods and a Li-Yorke
certificate) and :func:`verify_certificate`.
"""
from .errors import NotPiecewiseLinearError, ResourceLimitError, RnnchaosError, SpecError
from .invariant import InvariantInterval, invariant_interval
from .model import Activation, Layer, Network, ScalarRNN
from .periodic import PeriodicReport, periodic_orbits, sharkovsky_key, verify_certificate
from .pl import PiecewiseLinear

__version__ = "0.1.0"

__all__ = [
    "Activation", "InvariantInterval", "Layer", "Network", "NotPiecewiseLinearError",
    "PeriodicReport", "PiecewiseLinear", "ResourceLimitError", "RnnchaosError", "ScalarRNN",
    "SpecError", "invariant_interval", "periodic_orbits", "sharkovsky_key", "verify_certificate",
]

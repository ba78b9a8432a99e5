"""rnnchaos: measure, certify and explain chaos in randomly initialized RNNs.

Core objects: :class:`ScalarRNN` (a network map R -> R), :class:`PiecewiseLinear`
(its exact form), :func:`periodic_orbits` (exact periods and a Li-Yorke
certificate) and :func:`verify_certificate`.
"""
from .errors import (
    NotPiecewiseLinearError,
    ResourceLimitError,
    RnnchaosError,
    SpecError,
)
from .exact.invariant import InvariantInterval, invariant_interval
from .exact.periodic import (
    PeriodicReport,
    periodic_orbits,
    sharkovsky_key,
    verify_certificate,
)
from .exact.pl import PiecewiseLinear
from .networks.model import Activation, Layer, Network, ScalarRNN

__version__ = "0.1.0"

__all__ = [
    "Activation", "InvariantInterval", "Layer", "Network", "NotPiecewiseLinearError",
    "PeriodicReport", "PiecewiseLinear", "ResourceLimitError", "RnnchaosError", "ScalarRNN",
    "SpecError", "invariant_interval", "periodic_orbits", "sharkovsky_key", "verify_certificate",
]

"""Mean-field theory of random RNN maps: the critical weight scale of the order-to-chaos transition.
"""
from __future__ import annotations

from ..errors import SpecError

# ---------------------------------------------------------------- mean field
_E_DERIV2 = {"relu": 0.5, "tanh": 1.0, "identity": 1.0}

def mean_field_critical_std(dim: int, kind: str = "two_layer", activation: str = "relu",
                            hidden: int | None = None) -> float:
    """The weight std at which a random map's mean tangent growth is 1 (order -> chaos).

    Derivation.  Take weights iid N(0, s^2), zero biases.  A tangent vector v
    at h is mapped by the Jacobian; for the two-layer map
    f(h) = W2 phi(W1 h) it is J v = W2 D W1 v with D = diag(phi'(W1 h)).  In
    the mean-field limit (Poole et al. 2016, Schoenholz et al. 2017: wide
    layers, W1 v Gaussian and asymptotically independent of D),
    E|D W1 v|^2 = m s^2 E[phi'(z)^2] |v|^2 (m hidden units) and
    E|W2 u|^2 = d s^2 |u|^2, so the mean squared growth per iteration is

        chi = d m s^4 E[phi'(z)^2],

    and the transition is at chi = 1:  s_c = (d m E[phi'^2])^(-1/4).  For
    ReLU E[phi'^2] = 1/2 (half the units are on): s_c = (d m / 2)^(-1/4),
    0.1487 at d = m = 64.  The same number is where the eigenvalue support
    of J reaches the unit circle: J is asymptotically R-diagonal, and by the
    Haagerup-Larsen theorem its outer spectral edge is sqrt(tr(J J^T)/d) =
    sqrt(chi), so P(rho(J) > 1) crosses 1/2 there as d -> infinity (for
    finite d the edge is blurred over O(d^(-1/2))).  The spectral norm of J
    exceeds its spectral radius, so P(||J|| > 1) rises at a smaller std.

    One layer, ``kind="rnn"`` (h -> phi(W h)) or ``"leaky"`` (h -> (1-a) h +
    a phi(W h), whose eigenvalues are (1-a) + a * those of D W):
    chi = d s^2 E[phi'^2]  =>  s_c = (d E[phi'^2])^(-1/2); tanh: E[phi'^2] = 1
    at the fixed point h = 0 (the classic g_c = 1 with s = g / sqrt(d),
    Sompolinsky-Crisanti-Sommers), ReLU: sqrt(2/d) (He initialization).

    Units: a standard deviation of the weights (not a variance).

    >>> round(mean_field_critical_std(64), 4)
    0.1487
    >>> mean_field_critical_std(100, "rnn", "tanh")
    0.1
    """
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise SpecError("dim", f"must be an integer >= 1, got {dim!r}")
    if activation not in _E_DERIV2:
        raise SpecError("activation", f"mean field is tabulated for {', '.join(_E_DERIV2)}, "
                        f"got {activation!r}")
    e = _E_DERIV2[activation]
    if kind == "two_layer":
        m = dim if hidden is None else hidden
        return float((dim * m * e) ** -0.25)
    if kind in ("rnn", "leaky"):
        if hidden is not None:
            raise SpecError("hidden", f"kind {kind!r} has no hidden layer")
        return float((dim * e) ** -0.5)
    raise SpecError("kind", f"choose two_layer, rnn or leaky, got {kind!r}")


def mean_field_critical_gain(preset: str) -> float | None:
    """The critical ``gain`` of a vector preset (see :data:`rnnchaos.networks.vector.VECTOR_PRESETS`).

    rnn_tanh, leaky_tanh (LeCun std gain/sqrt(d)): 1; rnn_relu (He std
    gain*sqrt(2/d)): 1; paper_jacobian (std gain/sqrt(d), two layers):
    2^(1/4) = 1.189.  Dimension-free.

    >>> round(mean_field_critical_gain("paper_jacobian"), 4)
    1.1892
    """
    from ..networks.vector import VECTOR_PRESETS
    if preset not in VECTOR_PRESETS:
        raise SpecError("preset", f"unknown vector preset {preset!r}")
    return VECTOR_PRESETS[preset][4]

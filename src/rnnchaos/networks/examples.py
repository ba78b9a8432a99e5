"""Canonical example maps used throughout rnnchaos: the tent map as a ReLU network,
the paper's Lipschitz example and the paper's distance-figure map.
"""
from __future__ import annotations

from .model import ScalarRNN


def lipschitz_example():
    """The paper's Lipschitz example: W1 = six ones, b1 = [0, -0.2, -0.4, -0.5, -0.6, -0.7],
    W2 = [[0.8, -1.5, 5, -9, 11, -8.4]], b2 = 0, ReLU output.

    >>> from rnnchaos.exact.lyapunov import lipschitz_constant
    >>> round(float(lipschitz_constant(lipschitz_example())), 12)
    6.3
    """
    from .model import ScalarRNN
    return ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0]] * 6, "bias": [0.0, -0.2, -0.4, -0.5, -0.6, -0.7], "activation": "relu"},
        {"weight": [[0.8, -1.5, 5.0, -9.0, 11.0, -8.4]], "bias": [0.0], "activation": "relu"}]})


def distance_figure_map():
    """The paper's distance-figure map f(x) = 1.9999 relu(x + 0.00001) - 4 relu(x - 0.502).

    Weights are the doubles nearest to the decimals, so f is an exact rational map.

    >>> round(distance_figure_map()(0.25), 6)
    0.499995
    """
    from .model import ScalarRNN
    return ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [0.00001, -0.502], "activation": "relu"},
        {"weight": [[1.9999, -4.0]], "bias": [0.0], "activation": "identity"}]})


def tent_network() -> ScalarRNN:
    """The paper's tent family base: T(x) = 2 relu(x) - 4 relu(x - 1/2), identity output.

    >>> tent_network()(0.25), tent_network()(0.75)
    (0.5, 0.5)
    """
    return ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], "activation": "relu"},
        {"weight": [[2.0, -4.0]], "bias": [0.0], "activation": "identity"}]})

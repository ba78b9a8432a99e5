"""Trend of proportions: the Cochran-Armitage test in its textbook form, interval coverage."""
import math

import numpy as np
import pytest
from scipy.stats import norm

from rnnchaos import SpecError
from rnnchaos.studies.stats import proportion_trend


def test_p_value_equals_the_textbook_cochran_armitage_statistic():
    k, n, x = np.array([30, 22, 15, 9]), np.array([4000, 5000, 4500, 3000]), np.array([1.0, 2, 3, 4])
    big_n, pbar = n.sum(), k.sum() / n.sum()
    t = (x * (k - n * pbar)).sum()
    var_t = pbar * (1 - pbar) * ((n * x ** 2).sum() - (n * x).sum() ** 2 / big_n)
    want = 2 * norm.sf(abs(t) / math.sqrt(var_t))
    got = proportion_trend(k, n, x)
    assert got["p_value"] == pytest.approx(want, rel=1e-9)
    assert got["slope"] < 0 and got["pooled_p"] == pytest.approx(pbar)


def test_interval_covers_a_zero_slope_about_95_percent_and_finds_a_real_one():
    rng = np.random.default_rng(5)
    x, n = np.arange(1.0, 9.0), np.full(8, 5000)
    covered = rejected = 0
    for _ in range(400):
        t = proportion_trend(rng.binomial(n, 0.01), n, x)
        covered += t["ci_low"] <= 0 <= t["ci_high"]
        rejected += t["p_value"] < 0.05
    assert 0.91 <= covered / 400 <= 0.99 and 0.01 <= rejected / 400 <= 0.09
    true = -0.002  # p from 0.02 down to 0.006
    p = 0.02 + true * (x - 1)
    t = proportion_trend(rng.binomial(np.full(8, 50_000), p), np.full(8, 50_000), x)
    assert t["p_value"] < 1e-6 and t["ci_low"] <= true <= t["ci_high"] and t["ci_high"] < 0


def test_bad_cells():
    with pytest.raises(SpecError):
        proportion_trend([1], [10], [1])
    with pytest.raises(SpecError):
        proportion_trend([1, 2], [10, 10], [3, 3])
    with pytest.raises(SpecError):
        proportion_trend([11, 2], [10, 10], [1, 2])


def test_normal_quantile_and_tail_equal_scipy():
    """The stdlib quantile and the erfc tail used at start-up agree with scipy.stats.norm."""
    from scipy.stats import norm

    from rnnchaos.studies.stats import two_sided_p, two_sided_z
    for confidence in (0.5, 0.9, 0.95, 0.99, 0.999999):
        assert abs(two_sided_z(confidence) - norm.ppf(0.5 + confidence / 2)) < 1e-12
    for z in (0.0, 0.5, 1.96, -3.0, 8.0, 30.0):
        expected = 2 * norm.sf(abs(z))
        assert abs(two_sided_p(z) - expected) <= 1e-12 * max(expected, 1e-300)

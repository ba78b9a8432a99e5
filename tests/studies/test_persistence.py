"""Persistence of chaos: perturbation, seeding, exact per-draw measurements, statistics."""
from __future__ import annotations

import numpy as np
import pytest

from rnnchaos.errors import SpecError
from rnnchaos.exact.periodic import periodic_orbits, verify_certificate
from rnnchaos.exact.regions import region_counts, stack_region_counts
from rnnchaos.networks.examples import tent_network
from rnnchaos.networks.model import ScalarRNN
from rnnchaos.studies.persistence import (
    PAPER_DRAW,
    check_eps,
    draw_maps,
    persistence_draw,
    persistence_study,
    perturb,
)


def test_tent_network_is_the_paper_tent():
    f = tent_network()
    for x, y in ((0.0, 0.0), (0.25, 0.5), (0.5, 1.0), (0.75, 0.5), (1.0, 0.0), (-1.0, 0.0)):
        assert f(x) == y
    rep = periodic_orbits(f, 3)
    orbits3 = sorted(tuple(str(x) for x in o.points) for o in rep.orbits if o.period == 3)
    assert orbits3 == [("2/7", "4/7", "6/7"), ("2/9", "4/9", "8/9")]


def test_perturb_eps0_is_identity_and_noise_scale():
    base = tent_network()
    assert perturb(base, 0.0, np.random.default_rng(5)) == base
    rng = np.random.default_rng(123)
    deltas = []
    for _ in range(1500):
        g = perturb(base, 0.1, rng)
        for lb, lg in zip(base.layers, g.layers):
            deltas.extend((lg.weight - lb.weight).ravel())
            deltas.extend((lg.bias - lb.bias).ravel())
    d = np.array(deltas)
    assert d.size == 1500 * 7
    assert abs(d.std() - 0.1) < 0.004 and abs(d.mean()) < 0.004  # N(0, 0.1^2): eps is a std


def reference_maps(base, eps, steps, seed, index):
    """Draw `index` re-drawn from the documented order with numpy calls only: block
    index // 1024 from SeedSequence(seed, spawn_key=(round(eps * 1e6), block)); per copy
    (RNN, then T layers), per layer, the noise of the whole block, weight then bias."""
    block, row = divmod(index, 1024)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(round(eps * 1e6), block)))
    maps = []
    for _ in range(steps + 1):
        layers = []
        for layer in base.layers:
            w = rng.standard_normal((1024, *layer.weight.shape))[row]
            b = rng.standard_normal((1024, *layer.bias.shape))[row]
            layers.append((layer.weight + eps * w, layer.bias + eps * b, layer.activation))
        maps.append(ScalarRNN.from_dict({"layers": [
            {"weight": w.tolist(), "bias": b.tolist(), "activation": a.name} for w, b, a in layers]}))
    return maps[0], maps[1:]


def test_draw_is_reproducible_and_recomputable():
    d = persistence_draw(tent_network(), 0.1, 6, seed=11, index=1030)
    f, layers = reference_maps(tent_network(), 0.1, 6, 11, 1030)
    got_f, got_layers = draw_maps(tent_network(), 0.1, 6, 11, 1030)
    for a, b in zip([got_f] + got_layers, [f] + layers):
        for la, lb in zip(a.layers, b.layers):
            np.testing.assert_allclose(la.weight, lb.weight, rtol=1e-14)
            np.testing.assert_allclose(la.bias, lb.bias, rtol=1e-14, atol=1e-16)
    assert d.rnn_laps == region_counts(got_f, 6, (0, 1)).laps
    assert d.ff_laps == stack_region_counts(got_layers, (0, 1)).laps
    assert d.rnn_period3 == periodic_orbits(got_f, 3).period_3
    if d.rnn_period3:
        assert verify_certificate(got_f, d.li_yorke_certificate)  # exact, layer by layer
    assert draw_maps(tent_network(), 0.1, 2, 11, 1030)[0] == got_f  # the RNN map does not depend on T


def test_small_noise_keeps_period_3():
    # period 3 is an open condition: small perturbations of the tent keep it
    for i in range(25):
        d = persistence_draw(tent_network(), 0.01, 3, seed=3, index=i, entropy_iter=3)
        assert d.rnn_period3
        f = draw_maps(tent_network(), 0.01, 3, 3, i)[0]
        assert verify_certificate(f, d.li_yorke_certificate)
        assert d.entropy_lower >= 0.48  # BGMY: period 3 => h >= log phi


def test_eps0_study_is_tent():
    s = persistence_study(3, eps_grid=[0.0], steps=6, seed=1)
    sm = s.summary(0.0)
    assert sm.period3_count == 3 and sm.rnn_laps_mean == 64 and sm.ff_laps_mean == 64
    assert sm.rnn_full_laps_fraction == 1.0
    assert sm.entropy_lower_mean == pytest.approx(np.log(2), abs=1e-15)
    assert sm.period3_ci[0] < 1.0 <= sm.period3_ci[1]


def test_study_statistics_at_paper_point():
    s = persistence_study(40, eps_grid=[0.1], steps=6, seed=2022)
    sm = s.summary(0.1)
    assert 0 <= sm.period3_ci[0] <= sm.period3_p <= sm.period3_ci[1] <= 1
    assert sm.rnn_laps_ci[0] <= sm.rnn_laps_mean <= sm.rnn_laps_ci[1]
    # the RNN keeps more laps than the feedforward net (the paper's claim), on average
    assert sm.rnn_laps_mean > sm.ff_laps_mean
    for d in s.draws:
        assert 1 <= d.rnn_laps[-1] <= 64 and 1 <= d.ff_laps[-1] <= 64
        assert d.entropy_upper is None or d.entropy_lower <= d.entropy_upper
    pp = s.paper_draw_percentiles()
    assert pp is not None and pp["n"] == 40 and 0 <= pp["rnn_at_most_61"] <= 1
    js = s.to_json()
    assert js["paper_draw"] == PAPER_DRAW and len(js["summaries"]) == 1


def test_bad_input():
    with pytest.raises(SpecError) as e:
        check_eps(-0.1)
    assert e.value.field == "eps"
    with pytest.raises(SpecError):
        check_eps(float("nan"))
    with pytest.raises(SpecError) as e:
        persistence_study(0)
    assert e.value.field == "n"
    with pytest.raises(SpecError):
        persistence_study(1, eps_grid=[])
    with pytest.raises(SpecError):
        persistence_study(1, steps=0)
    with pytest.raises(SpecError):
        persistence_study(2, eps_grid=[0.0]).summary(0.3)


def test_custom_base():
    base = ScalarRNN.from_dict({"layers": [
        {"weight": [[1.0], [1.0]], "bias": [0.0, -0.5], "activation": "relu"},
        {"weight": [[0.5, -1.0]], "bias": [0.0], "activation": "identity"}]})  # contracting
    s = persistence_study(3, eps_grid=[0.0], steps=4, base=base)
    assert s.summary(0.0).period3_count == 0
    # f([0, 1]) = [0, 1/4] lies where f is monotone: f^t has exactly 2 laps on [0, 1]
    assert all(d.rnn_laps == [2, 2, 2, 2] for d in s.draws)

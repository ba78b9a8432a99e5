"""Batch verdicts: the float filter + exact fallback equals the exact engine, network by network.

Ground truth is :func:`rnnchaos.exact.periodic.periodic_orbits`, called on every network.  The
batches cover the paper's presets (relu, clipped, widths 2, 3, 8, some with a larger gain so
that period 3 and positive entropy occur), the tent family, hand-made degenerate networks
with dyadic weights (ties, continua, fixed points on kinks) and exactly known maps.
"""
from __future__ import annotations

import numpy as np
import pytest

from rnnchaos import SpecError
from rnnchaos.deciders.reference import (
    notebook_loop_reference_test,
    reference_counts,
    reference_grid,
    reference_test,
)
from rnnchaos.deciders.verdicts import (
    EXACT_CRITERIA,
    decide,
    fast_verdicts,
    sharkovsky_weakest_non_power_of_two,
)
from rnnchaos.exact.periodic import (
    MAX_PERIOD,
    is_power_of_two,
    periodic_orbits,
    sharkovsky_key,
)
from rnnchaos.networks.batch import NetworkBatch, sample_preset_batch
from rnnchaos.networks.model import Activation, ScalarRNN
from rnnchaos.networks.presets import PRESETS, build_preset, sample_preset

N = 6


def exact_verdicts(batch: NetworkBatch, n: int = N) -> np.ndarray:
    """(B, 3) booleans (period_2, period_3, positive_entropy(n)) from the exact engine."""
    out = np.zeros((len(batch), 3), dtype=bool)
    for i in range(len(batch)):
        rep = periodic_orbits(batch.network(i), n)
        out[i] = (2 in rep.periods, 3 in rep.periods, rep.positive_entropy)
    return out


def assert_equal_to_exact(batch: NetworkBatch, n: int = N) -> tuple:
    v = decide(batch, EXACT_CRITERIA, entropy_max_period=n)
    exact = exact_verdicts(batch, n)
    for j, c in enumerate(EXACT_CRITERIA):
        bad = np.flatnonzero(v[c] != exact[:, j])
        assert bad.size == 0, (c, [batch.network(int(i)).to_json() for i in bad[:3]])
    # what the filter decided on its own is right too (decide's fallback would hide nothing)
    codes = fast_verdicts(batch, entropy_max_period=n)
    if codes is not None:
        for j in range(3):
            sure = codes[:, j] >= 0
            assert np.array_equal(codes[sure, j] == 1, exact[sure, j])
    return v, exact


def tent_family(count: int, seed: int, std: float = 0.1) -> NetworkBatch:
    """The persistence notebook's family: the tent map plus iid N(0, std^2) on every parameter."""
    rng = np.random.default_rng(seed)
    w1 = np.array([[1.0], [1.0]]) + std * rng.standard_normal((count, 2, 1))
    b1 = np.array([0.0, -0.5]) + std * rng.standard_normal((count, 2))
    w2 = np.array([[2.0, -4.0]]) + std * rng.standard_normal((count, 1, 2))
    b2 = std * rng.standard_normal((count, 1))
    return NetworkBatch.from_arrays([w1, w2], [b1, b2], [Activation.from_spec("relu"),
                                                          Activation.from_spec("identity")])


def two_layer(W1, b1, W2, b2, hidden="relu", out="identity", hp=None, op=None) -> ScalarRNN:
    return ScalarRNN.from_dict({"layers": [
        {"weight": [[w] for w in W1], "bias": list(b1), "activation": hidden, **(hp or {})},
        {"weight": [list(W2)], "bias": [b2], "activation": out, **(op or {})}]})


TENT = two_layer([1, 1], [0, -0.5], [2, -4], 0.0)
FIGURE = two_layer([-1.86269852, 0.3760235], [0.82744154, -0.81030444],
                   [0.7913013, -1.00714872], 0.0)
DISTANCE = two_layer([1, 1], [0.00001, -0.502], [1.9999, -4], 0.0)
LIPSCHITZ = ScalarRNN.from_dict({"layers": [
    {"weight": [[1.0]] * 6, "bias": [0, -0.2, -0.4, -0.5, -0.6, -0.7], "activation": "relu"},
    {"weight": [[0.8, -1.5, 5, -9, 11, -8.4]], "bias": [0.0], "activation": "relu"}]})


# ------------------------------------------------------------------ (a) equality with the engine
PRESET_CASES = [(name, k, clip, gain)
                for name in ("paper_a", "paper_he", "paper_he_u", "paper_glorot", "paper_normal_k",
                             "paper_row1")
                for k in (2, 3, 8) for clip in (False, True) for gain in (1.0,)]
PRESET_CASES += [("paper_he", 2, False, 2.5), ("paper_a", 3, False, 3.0),
                 ("paper_row1", 3, False, 2.0), ("paper_he_u", 2, True, 2.0),
                 ("paper_normal_k", 2, False, 3.0), ("paper_glorot", 3, False, 3.0)]


@pytest.mark.parametrize("name,k,clip,gain", PRESET_CASES)
def test_presets_equal_exact_engine(name, k, clip, gain):
    preset = build_preset(name, k, clip=clip, gain=gain)
    batch = sample_preset_batch(preset, 2022, 0, 90 if k < 8 else 50)
    v, exact = assert_equal_to_exact(batch)
    # generic weights: the float filter decides (almost) everything by itself
    assert v.exact_fallback.mean() <= 0.02


def test_generic_batches_rarely_fall_back_and_chaos_is_covered():
    batch = sample_preset_batch(build_preset("paper_row1", 3, gain=2.0), 7, 0, 3000)
    v = decide(batch, EXACT_CRITERIA)
    assert v.exact_fallback.mean() < 0.005
    assert v.counts["period_3"] > 20 and v.counts["period_2"] > 300  # yes-cases are exercised


def test_tent_family_equals_exact_engine():
    v, exact = assert_equal_to_exact(tent_family(120, 5))
    assert exact[:, 1].sum() > 60  # mostly period 3: the persistence of chaos
    assert not v.exact_fallback.any()


@pytest.mark.parametrize("n", range(3, 11))
def test_positive_entropy_is_the_single_period_p_star(n):
    """Sharkovsky: positive_entropy(N) <=> period p* (the weakest non-power of 2 <= N)."""
    p_star = sharkovsky_weakest_non_power_of_two(n)
    others = [p for p in range(3, n + 1) if not is_power_of_two(p)]
    assert p_star in others
    # every other non-power of 2 <= n comes before p* in Sharkovsky's order (forces it)
    assert all(sharkovsky_key(p) < sharkovsky_key(p_star) for p in others if p != p_star)
    batches = [tent_family(12, n, std=0.25),
               sample_preset_batch(build_preset("paper_row1", 3, gain=2.0), 3, 0, 25)]
    for batch in batches:
        v, exact = assert_equal_to_exact(batch, n)
        for i in range(len(batch)):
            rep = periodic_orbits(batch.network(i), n)
            assert rep.positive_entropy == (p_star in rep.periods)


def test_p_star_values():
    assert [sharkovsky_weakest_non_power_of_two(n) for n in range(3, 25)] == \
        [3, 3, 5, 6, 6, 6, 6, 10, 10, 12, 12, 12, 12, 12, 12, 12, 12, 20, 20, 20, 20, 24]
    assert sharkovsky_weakest_non_power_of_two(MAX_PERIOD) == 48


ACTS = [("relu", {}), ("leaky_relu", {"negative_slope": 0.25}), ("identity", {}),
        ("leaky_relu", {"negative_slope": 0.0}), ("leaky_relu", {"negative_slope": 2.0})]
OUTS = [("identity", {}), ("relu", {}), ("hardtanh", {"min_val": 0.0, "max_val": 1.0}),
        ("hardtanh", {"min_val": -0.5, "max_val": 0.75}), ("leaky_relu", {"negative_slope": 0.5})]


def dyadic_batch(hidden, out, k, count, seed, mixed=False):
    """Weights k/4 in [-2, 2] (ties, zero weights, exact kinks, continua), optionally mixed
    with Gaussian weights."""
    rng = np.random.default_rng(seed)

    def draw(shape, scale=1.0, top=8):
        d = rng.integers(-top, top + 1, shape) / 4
        if not mixed:
            return d
        return np.where(rng.random(shape) < 0.5, d, scale * rng.standard_normal(shape))

    w1, b1, w2, b2 = draw((count, k, 1)), draw((count, k)), draw((count, 1, k), 2), draw((count, 1), 1, 4)
    return NetworkBatch.from_arrays([w1, w2], [b1, b2], [Activation.from_spec(*hidden),
                                                         Activation.from_spec(*out)])


@pytest.mark.parametrize("hidden", ACTS, ids=lambda a: f"{a[0]}{a[1]}")
@pytest.mark.parametrize("out", OUTS, ids=lambda a: f"{a[0]}{a[1]}")
def test_degenerate_dyadic_batches_equal_exact_engine(hidden, out):
    seed = ACTS.index(hidden) * 10 + OUTS.index(out)
    fell_back = 0
    for k, mixed in ((1, False), (2, False), (3, False), (2, True), (3, True)):
        batch = dyadic_batch(hidden, out, k, 40, seed + 100 * k + mixed, mixed)
        v, _ = assert_equal_to_exact(batch, 5)
        fell_back += int(v.exact_fallback.sum())
    assert fell_back > 0  # (b) ties really reach the exact engine


def test_hand_made_maps():
    nets = {
        "tent": TENT, "figure": FIGURE, "distance": DISTANCE, "lipschitz": LIPSCHITZ,
        "identity": two_layer([1, -1], [0, 0], [1, -1], 0.0),          # continuum of fixed points
        "reflection": two_layer([1, -1], [0, 0], [-1, 1], 0.0),        # continuum of period 2
        "reflection_shift": two_layer([1, -1], [0, 0], [-1, 1], 0.5),
        "translation": two_layer([1, -1], [0, 0], [1, -1], 0.25),      # no periodic point
        "constant": two_layer([0, 0], [1, -1], [0.5, 2], 0.25),
        "slope_minus_one_piece": two_layer([1, 1], [0, -1], [-1, 2], 1.0),
        "fixed_point_on_kink": two_layer([1, 1], [0, -0.5], [1.5, -3], 0.0),
        "tent_clipped": two_layer([1, 1], [0, -0.5], [2, -4], 0.0, out="hardtanh",
                                  op={"min_val": 0.0, "max_val": 1.0}),
        "zero_unit": two_layer([1, 0, 1], [0, 0.5, -0.5], [2, 0, -4], 0.0),
    }
    got = {}
    for name, net in nets.items():
        batch = NetworkBatch.from_networks([net])
        v, exact = assert_equal_to_exact(batch)
        got[name] = tuple(bool(x) for x in exact[0])
    assert got["tent"] == got["distance"] == (True, True, True)
    assert got["figure"] == (True, False, False)
    assert got["lipschitz"][1] is False
    assert got["reflection"] == (True, False, False)
    assert got["translation"] == (False, False, False)


def test_monotone_maps_are_decided_by_their_slopes_alone():
    # nondecreasing: only fixed points (here 0 and 4/3); nonincreasing: periods 1 and 2 only
    # (here the isolated 2-cycle {-5, 2}); the filter decides both, as the exact engine does
    rising = two_layer([1, 1], [0, -1], [0.5, 2], 0.0)
    falling = two_layer([1, -1], [0, -1], [-3, 0.25], 1.0)  # flat (= 1) on [-1, 0]
    falling_clipped = two_layer([1, -1], [0, -1], [-3, 0.25], 1.0, out="hardtanh",
                                op={"min_val": -6.0, "max_val": 3.0})
    for nets, want in (([rising, falling], [[0, 0, 0], [1, 0, 0]]), ([falling_clipped], [[1, 0, 0]])):
        batch = NetworkBatch.from_networks(nets)
        v, exact = assert_equal_to_exact(batch)
        assert fast_verdicts(batch).tolist() == want
        assert np.array_equal(exact, np.array(want) == 1)
        assert not v.exact_fallback.any()


def test_fallback_is_exercised_on_degenerate_batch():
    batch = NetworkBatch.from_networks([two_layer([1, -1], [0, 0], [-1, 1], 0.0),
                                        two_layer([1, -1], [0, 0], [1, -1], 0.0), TENT, FIGURE])
    v = decide(batch, EXACT_CRITERIA)
    assert v.exact_fallback.any() and not v.exact_fallback.all()
    assert v["period_2"].tolist() == [True, False, True, True]


def test_depth_3_goes_to_exact_engine():
    batch = sample_preset_batch(build_preset("paper_he", 2, depth=3, gain=2.0), 1, 0, 25)
    v, _ = assert_equal_to_exact(batch)
    assert v.exact_fallback.all()


def test_tanh_exact_criteria_certified_reference_computed():
    from rnnchaos.certified import YES, certified_orbits
    batch = sample_preset_batch(build_preset("paper_he", 2, activation="tanh", clip=True), 0, 0, 30)
    v = decide(batch)
    for c in EXACT_CRITERIA:
        assert v[c].dtype == bool and not (v[c] & v.undecided[c]).any()
    for i in range(len(batch)):  # the batch path agrees with the single-network engine
        rep = certified_orbits(batch.network(i), 6)
        if not v.undecided["period_2"][i]:
            assert v["period_2"][i] == (rep.status(2) == YES)
        if not v.undecided["period_3"][i]:
            assert v["period_3"][i] == (rep.status(3) == YES)
    assert v["reference_test"].dtype == bool and v.counts["reference_test"] is not None
    assert not v.exact_fallback.any()


# ------------------------------------------------------------------ (c) the reference test
def test_reference_test_on_the_figure_network():
    batch = NetworkBatch.from_networks([FIGURE])
    v = decide(batch, window=2.0)
    assert v["reference_test"].tolist() == [True]  # it sees the period-2 orbit in [-2, 2]
    assert v["period_2"].tolist() == [True] and v["period_3"].tolist() == [False]
    assert notebook_loop_reference_test(FIGURE, 2.0) is True


@pytest.mark.parametrize("preset", [build_preset("paper_he", 2), build_preset("paper_a", 2),
                                    build_preset("paper_he", 3, clip=True),
                                    build_preset("paper_row1", 2),
                                    build_preset("paper_he", 2, activation="tanh", clip=True),
                                    build_preset("paper_glorot", 2, depth=3)])
def test_reference_vectorized_equals_notebook_loop(preset):
    window = 2.0 if preset.name == "paper_a" else 1.0
    batch = sample_preset_batch(preset, 11, 0, 60)
    c0, c3 = reference_counts(batch, window)
    loop = [notebook_loop_reference_test(batch.network(i), window, return_counts=True)
            for i in range(len(batch))]
    # Two float implementations (numba kernel, numpy per point) agree to a few ulps, not to
    # the last bit on every CPU: a count may differ only where X - f(X) or X - f^4(X) is
    # within rounding of 0 at some grid point (a sign flip), never otherwise.
    differing = [i for i in range(len(batch)) if (c0[i], c3[i]) != loop[i]]
    assert all(_has_near_root(batch.network(i), window) for i in differing)
    assert len(differing) <= 2
    agree = [i for i in range(len(batch)) if i not in differing]
    assert reference_test(batch, window)[agree].tolist() == [loop[i][1] > loop[i][0] for i in agree]


def _has_near_root(net, window):
    grid = reference_grid(window)
    f1 = np.array([net(float(x)) for x in grid])
    f4 = f1.copy()
    for _ in range(3):
        f4 = np.array([net(float(x)) for x in f4])
    tol = 1e-12 * (1 + np.abs(grid))
    return bool((np.abs(grid - f1) <= tol).any() or (np.abs(grid - f4) <= tol).any())


def test_reference_window_defaults_from_preset():
    a = sample_preset_batch("paper_a", 0, 0, 50)
    assert decide(a, ("reference_test",)).window == 2.0
    assert decide(sample_preset_batch("paper_he", 0, 0, 5), ("reference_test",)).window == 1.0
    assert np.array_equal(decide(a, ("reference_test",))["reference_test"], reference_test(a, 2.0))


# ------------------------------------------------------------------ batches
@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("flavour", ["as_coded", "as_labelled"])
def test_sample_preset_batch_follows_the_seeding_contract(name, flavour):
    for preset in (build_preset(name, 3, flavour=flavour, gain=1.5),
                   build_preset(name, 2, flavour=flavour, activation="tanh", clip=True),
                   build_preset(name, 4, flavour=flavour, depth=3, clip=True)):
        batch = sample_preset_batch(preset, 5, 17, 6)
        assert all(batch.network(i) == sample_preset(preset, 5, 17 + i) for i in range(6))


def test_forward_agrees_with_scalar_network_to_a_few_ulps():
    # Two float implementations (numba loop vs numpy/BLAS, libm vs numpy's SIMD tanh): they
    # may differ in the last bits on CPUs with FMA or AVX-512, so only a few ulps are promised.
    for preset in (build_preset("paper_he", 2, clip=True), build_preset("paper_he", 3, activation="tanh")):
        batch = sample_preset_batch(preset, 1, 0, 20)
        x = np.random.default_rng(0).normal(size=(20, 7))
        y = batch.forward(x)
        for i in range(20):
            net = batch.network(i)
            per_point = np.array([net(float(v)) for v in x[i]])
            scale = np.abs(per_point) + max(1.0, float(np.abs(x[i]).max()))
            assert np.all(np.abs(y[i] - per_point) <= 64 * np.finfo(float).eps * scale)


# ------------------------------------------------------------------ (d) bad arguments
@pytest.mark.parametrize("kwargs,field", [
    ({"criteria": ("chaos",)}, "criteria"), ({"criteria": ()}, "criteria"),
    ({"entropy_max_period": 2}, "entropy_max_period"),
    ({"entropy_max_period": MAX_PERIOD + 1}, "entropy_max_period"),
    ({"entropy_max_period": 4.0}, "entropy_max_period"),
    ({"window": 0.0}, "window"), ({"window": -1}, "window"), ({"window": float("nan")}, "window"),
    ({"node_budget": 0}, "node_budget")])
def test_bad_arguments_raise_spec_error(kwargs, field):
    batch = sample_preset_batch("paper_he", 0, 0, 3)
    with pytest.raises(SpecError) as err:
        decide(batch, **kwargs)
    assert err.value.field == field
    if field == "criteria" and kwargs["criteria"]:
        assert "period_2" in str(err.value)  # lists the valid ones


def test_bad_batches_raise_spec_error():
    with pytest.raises(SpecError, match="window"):
        decide(NetworkBatch.from_networks([TENT]), ("reference_test",))  # no preset: no default
    with pytest.raises(SpecError, match="networks"):
        NetworkBatch.from_networks([TENT, LIPSCHITZ])
    with pytest.raises(SpecError, match="batch"):
        decide([TENT])
    with pytest.raises(SpecError, match="count"):
        sample_preset_batch("paper_he", 0, 0, 0)
    with pytest.raises(SpecError, match="window"):
        reference_test(NetworkBatch.from_networks([TENT]), 0)
    relu, ident = Activation.from_spec("relu"), Activation.from_spec("identity")
    for bad in (np.nan, np.inf, -np.inf):
        w1 = np.ones((3, 2, 1))
        w1[2, 1, 0] = bad
        with pytest.raises(SpecError, match="finite") as info:
            NetworkBatch.from_arrays([w1, np.ones((3, 1, 2))], [np.zeros((3, 2)), np.zeros((3, 1))],
                                     [relu, ident])
        assert info.value.field == "layers[0]"


# ------------------------------------------------------------------ wide networks: presorted kinks
@pytest.mark.parametrize("name,clip,gain", [("paper_he", False, 1.0), ("paper_row1", True, 2.0)])
def test_presorted_kinks_equal_exact_engine(name, clip, gain):
    """Width 32 > INSERTION_SORT_MAX: the kinks come presorted by numpy (packed keys)."""
    from rnnchaos.deciders.pieces import INSERTION_SORT_MAX
    assert 32 > INSERTION_SORT_MAX
    batch = sample_preset_batch(build_preset(name, 32, clip=clip, gain=gain), 5, 0, 150)
    v, exact = assert_equal_to_exact(batch)
    assert v.exact_fallback.mean() <= 0.05
    assert exact[:, 0].any()  # yes-cases are exercised


def test_kink_sort_keys_order_kinks_and_put_the_rest_last():
    from rnnchaos.deciders.pieces import index_bits, kink_sort_keys
    k = 40
    rng = np.random.default_rng(3)
    W1 = rng.standard_normal((2, k))
    B1 = rng.standard_normal((2, k)) * 10.0 ** rng.integers(-300, 300, (2, k))
    A = rng.standard_normal((2, k))
    W1[0, :5] = 0.0          # constant units: no kink
    A[0, 5:8] = 0.0          # units that do not reach the output: no kink
    B1[1, :4] = [0.0, -0.0, 1e-320, -1e-320]  # zero and subnormal kinks keep their order
    keys = np.empty((2, k), dtype=np.int64)
    kink_sort_keys(W1, B1, A, keys, 0, 2)
    keys.sort(axis=1)
    low = (1 << int(index_bits(k))) - 1
    for i in range(2):
        units = keys[i] & low
        assert sorted(units.tolist()) == list(range(k))
        kinked = [j for j in range(k) if W1[i, j] != 0 and A[i, j] != 0]
        got = units[:len(kinked)]
        at = -B1[i, got] / W1[i, got]
        assert set(got.tolist()) == set(kinked)
        assert np.all(np.diff(at) >= 0)  # the kinks in increasing order


def test_presorted_tied_kinks_go_to_the_exact_engine():
    batch = sample_preset_batch(build_preset("paper_he", 30), 9, 0, 20)
    w1, b1 = batch.layers[0].weight.copy(), batch.layers[0].bias.copy()
    w1[:, 1], b1[:, 1] = 2 * w1[:, 0], 2 * b1[:, 0]  # unit 1 kinks exactly where unit 0 does
    tied = NetworkBatch.from_arrays([w1, batch.layers[1].weight], [b1, batch.layers[1].bias],
                                    [batch.layers[0].activation, batch.layers[1].activation])
    v, _ = assert_equal_to_exact(tied)
    assert v.exact_fallback.all()


def test_core_interval_holds_every_periodic_point_of_the_exact_engine():
    """Every point of every orbit the exact engine finds (period <= 4) lies in the core."""
    from fractions import Fraction

    from rnnchaos.deciders.itineraries import CORE_ROUNDS, core_interval
    from rnnchaos.deciders.pieces import (
        KINK_COLUMNS,
        PIECE_COLUMNS,
        build_pieces,
        piece_capacity,
    )
    from rnnchaos.deciders.verdicts import _fast_path_layout
    checked = shrunk = 0
    for name, k, clip, gain in [("paper_row1", 3, False, 2.0), ("paper_he", 2, True, 1.0),
                                ("paper_glorot", 8, False, 3.0), ("paper_he_u", 4, True, 2.0)]:
        batch = sample_preset_batch(build_preset(name, k, clip=clip, gain=gain), 3, 0, 60)
        W1, B1, A, C, hcode, halpha, ocode, o1, o2 = _fast_path_layout(batch)
        kinks = np.empty((k + 1, KINK_COLUMNS))
        pieces = np.empty((piece_capacity(k), PIECE_COLUMNS))
        ends = np.empty(4)
        for i in range(len(batch)):
            m = build_pieces(W1[i], B1[i], A[i], C[i], hcode, halpha, ocode, o1, o2, kinks,
                             pieces, np.empty(0, dtype=np.int64), ends)
            if m == 0:
                continue
            elo, ehi = core_interval(pieces, m, CORE_ROUNDS, ends)
            shrunk += bool(np.isfinite(elo) or np.isfinite(ehi))
            for orbit in periodic_orbits(batch.network(i), 4).orbits:
                for x in orbit.points:
                    x = Fraction(int(x.p), int(x.q))  # flint fmpq -> Fraction
                    assert (elo == -np.inf or Fraction(elo) <= x) and \
                        (ehi == np.inf or x <= Fraction(ehi)), (name, i, elo, ehi, x)
                    checked += 1
    assert checked > 200 and shrunk > 100


def test_certified_trend_agrees_with_a_dense_evaluation():
    """+1 / -1 only for maps that rise / fall everywhere on a dense grid of the pieces'
    domain (and the sign test only for maps rising on R); the maps the grid sees rising and
    falling get 0; the shortcuts are taken for many random maps."""
    from rnnchaos.deciders.pieces import (
        KINK_COLUMNS,
        PIECE_COLUMNS,
        build_pieces,
        certified_trend,
        piece_capacity,
        rising_by_signs,
    )
    from rnnchaos.deciders.verdicts import _fast_path_layout
    xs = np.linspace(-60.0, 60.0, 24001)
    trends = []
    by_signs = cut = 0
    for name, k, clip in [("paper_he", 2, False), ("paper_a", 3, True), ("paper_glorot", 8, False)]:
        batch = sample_preset_batch(build_preset(name, k, clip=clip), 4, 0, 200)
        W1, B1, A, C, hcode, halpha, ocode, o1, o2 = _fast_path_layout(batch)
        kinks = np.empty((k + 1, KINK_COLUMNS))
        pieces = np.empty((piece_capacity(k), PIECE_COLUMNS))
        ends = np.empty(4)
        fx = batch.forward(np.broadcast_to(xs, (len(batch), xs.size)).copy())
        for i in range(len(batch)):
            m = build_pieces(W1[i], B1[i], A[i], C[i], hcode, halpha, ocode, o1, o2, kinks,
                             pieces, np.empty(0, dtype=np.int64), ends)
            assert m > 0
            trend = certified_trend(pieces, m)  # on the pieces' domain, which holds f(R)
            inside = (xs >= ends[0]) & (xs <= ends[3])
            assert fx[i].min() >= ends[0] and fx[i].max() <= ends[3]
            cut += bool(np.isfinite(ends[0]) or np.isfinite(ends[3]))
            step = np.diff(fx[i][inside])
            tol = 1e-9 * max(1.0, float(np.abs(fx[i]).max()))
            rises, falls = bool((step > tol).any()), bool((step < -tol).any())
            if rising_by_signs(W1[i], A[i], hcode, halpha, ocode, o1):
                by_signs += 1
                assert not falls and trend == 1, (name, i)
            if trend == 1:
                assert not falls, (name, i)
            elif trend == -1:
                assert not rises, (name, i)
            trends.append((trend, rises and falls))
    assert sum(t != 0 for t, _ in trends) > 0.3 * len(trends) and by_signs > 40
    assert cut > 0.3 * len(trends)  # kinks outside f's range were left out
    both = [seen for t, seen in trends if t == 0]
    assert both and sum(both) >= 0.9 * len(both)

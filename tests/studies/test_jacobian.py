"""The Jacobian threshold experiment, the lambda_max sweep, mean-field theory, the report section."""
import json

import numpy as np
import pytest

from rnnchaos.dynamics.meanfield import (
    mean_field_critical_gain,
    mean_field_critical_std,
)
from rnnchaos.errors import SpecError
from rnnchaos.networks.vector import build_vector_preset, sample_vector_preset
from rnnchaos.reporting import jacobian as jac_report
from rnnchaos.reporting.jacobian import report_section
from rnnchaos.studies import jacobian as jac_mod
from rnnchaos.studies.jacobian import (
    PAPER_INPUT,
    PUBLISHED,
    jacobians_at,
    lambda_max_sweep,
    paper_maps,
    spectral_norm,
    spectral_radius,
    threshold_experiment,
)


def test_paper_input_is_a_fixed_digit_like_vector():
    assert PAPER_INPUT.shape == (64,)
    assert PAPER_INPUT.min() == 0 and PAPER_INPUT.max() == 16
    assert np.all(PAPER_INPUT == np.round(PAPER_INPUT))
    assert PAPER_INPUT.reshape(8, 8)[0].tolist() == [0, 0, 7, 15, 16, 12, 1, 0]


def test_paper_maps_follow_the_seeding_contract():
    maps = paper_maps(0.15, 3, seed=9, start=2)
    for j in range(3):
        want = sample_vector_preset(build_vector_preset("paper_jacobian", 64, std=0.15), 9, 2 + j)
        assert maps[j] == want
    assert maps.positively_homogeneous
    double = paper_maps(0.3, 3, seed=9, start=2)  # common random numbers across stds
    np.testing.assert_allclose(double.weights[0], 2 * maps.weights[0], rtol=1e-15)
    with pytest.raises(SpecError):
        paper_maps(-0.1, 2, seed=0)


def test_jacobian_at_the_input_and_its_spectra():
    maps = paper_maps(0.15, 4, seed=1)
    j = jacobians_at(maps, np.broadcast_to(PAPER_INPUT, (4, 64)))
    one = maps[2]
    on = (one.weights[0] @ PAPER_INPUT > 0).astype(float)
    np.testing.assert_allclose(j[2], one.weights[1] @ (on[:, None] * one.weights[0]), atol=1e-14)
    # central finite differences (the map is piecewise linear: exact away from kinks)
    eps = 1e-6
    fd = np.stack([(one.step(PAPER_INPUT + eps * e) - one.step(PAPER_INPUT - eps * e)) / (2 * eps)
                   for e in np.eye(64)], axis=-1)
    np.testing.assert_allclose(j[2], fd, atol=1e-7)
    rho, nrm = spectral_radius(j), spectral_norm(j)
    assert np.all(rho <= nrm + 1e-12)
    np.testing.assert_allclose(rho[2], np.max(np.abs(np.linalg.eigvals(j[2]))))
    np.testing.assert_allclose(nrm[2], np.linalg.norm(j[2], 2))


def test_mean_field_critical_std():
    assert mean_field_critical_std(64) == pytest.approx(2048 ** -0.25)
    assert mean_field_critical_std(64) == pytest.approx(0.14865, abs=1e-5)
    assert mean_field_critical_std(64, hidden=128) == pytest.approx(4096 ** -0.25)
    assert mean_field_critical_std(100, "rnn", "tanh") == pytest.approx(0.1)
    assert mean_field_critical_std(50, "rnn", "relu") == pytest.approx(0.2)
    assert mean_field_critical_std(16, "leaky", "tanh") == pytest.approx(0.25)
    assert mean_field_critical_gain("paper_jacobian") == pytest.approx(2 ** 0.25)
    assert mean_field_critical_gain("rnn_tanh") == 1.0
    # the mean squared tangent growth is 1 at s_c (Monte Carlo over random maps and vectors)
    s = mean_field_critical_std(64)
    maps = paper_maps(s, 200, seed=3)
    v = np.random.default_rng(0).standard_normal((200, 64, 1))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    h = np.random.default_rng(1).standard_normal((200, 64))
    growth = np.mean(np.sum(maps.jvp(h, v) ** 2, axis=(1, 2)))
    assert growth == pytest.approx(1.0, abs=0.05)
    for bad in [dict(dim=0), dict(dim=4, kind="gru"), dict(dim=4, activation="swish"),
                dict(dim=4, kind="rnn", hidden=3)]:
        with pytest.raises(SpecError):
            mean_field_critical_std(**bad)
    with pytest.raises(SpecError):
        mean_field_critical_gain("nope")


def test_threshold_experiment_reproduces_the_published_curve():
    stds = [0.12, 0.13, 0.14, 0.15, 0.16, 0.2]
    res = threshold_experiment(stds, n=160, seed=2022, attractor_steps=100, lyap_steps=150,
                               lyap_transient=50, direct_check=8, batch=80)
    rows = {r["std"]: r for r in res.rows}
    for s in stds:
        r = rows[s]
        for key in ("rho_input", "norm_input", "rho_attractor", "norm_attractor",
                    "lambda_max_positive"):
            f = r[key]
            assert f["n"] == 160 and f["ci_low"] <= f["p"] <= f["ci_high"]
        # spectral norm >= spectral radius, so its fraction is never smaller
        assert r["norm_input"]["count"] >= r["rho_input"]["count"]
        assert r["norm_attractor"]["count"] >= r["rho_attractor"]["count"]
        # the QR lambda_max and the two-trajectory lambda_max follow the same tangent direction
        assert r["direct_max_abs_diff"] < 1e-5
        # a homogeneous map: lambda_max is at least the growth rate of |h|
        assert r["lambda_max_minus_radial_max"] > -1e-9
        # the published spectral-radius fractions (1,000 maps), within sampling error
        if s in PUBLISHED:
            assert abs(100 * r["rho_input"]["p"] - PUBLISHED[s]) < 12
    # the notebook's axis label ("spectral norm") cannot be what it computed: ||Df|| > 1 always
    assert rows[0.12]["norm_input"]["p"] == 1.0
    p = [rows[s]["rho_input"]["p"] for s in stds]
    assert p == sorted(p)  # common random numbers: monotone in std
    assert res.critical_std == pytest.approx(0.14865, abs=1e-5)
    assert json.dumps(res.to_json(), allow_nan=False)
    with pytest.raises(SpecError):
        threshold_experiment([0.1], n=0)
    with pytest.raises(SpecError):
        threshold_experiment([0.1], n=2, x=np.ones(3))


SWEEP = dict(preset="rnn_tanh", dims=[8, 24], gains=[0.5, 3.0], n=12, seed=5, steps=120, transient=60)


def test_lambda_max_sweep_rows_and_resume(tmp_path, monkeypatch):
    out = tmp_path / "sweep"
    rows = lambda_max_sweep(**SWEEP, out=out)
    assert [(r["dim"], r["gain"]) for r in rows] == [(8, 0.5), (8, 3.0), (24, 0.5), (24, 3.0)]
    for r in rows:
        assert r["n"] == 12 and r["ci_low"] <= r["p"] <= r["ci_high"] and r["critical_gain"] == 1.0
    assert rows[0]["count"] == 0 and rows[2]["count"] == 0  # gain 0.5: h -> 0 for every map
    assert rows[3]["count"] >= 6
    assert (out / "results.parquet").exists() and (out / "manifest.json").exists()
    import pyarrow.parquet as pq
    assert pq.read_table(out / "results.parquet").num_rows == 4

    def boom(args):
        raise AssertionError("a finished chunk was recomputed")
    monkeypatch.setattr(jac_mod, "_sweep_chunk", boom)
    assert lambda_max_sweep(**SWEEP, out=out) == rows  # everything read back from chunks
    # a lost chunk is recomputed, and only that one
    monkeypatch.undo()
    chunk = next((out / "chunks").rglob("*.npz"))
    chunk.unlink()
    assert lambda_max_sweep(**SWEEP, out=out) == rows
    with pytest.raises(SpecError, match="different configuration"):
        lambda_max_sweep(**{**SWEEP, "n": 13}, out=out)


def test_lambda_max_sweep_matches_single_runs_and_validates():
    from rnnchaos.dynamics.lyapunov import lyapunov_max
    rows = lambda_max_sweep("leaky_tanh", [6], [2.5], n=3, seed=1, steps=80, transient=40,
                            tangent_transient=10)
    rng = np.random.default_rng(np.random.SeedSequence([1, jac_mod.TANGENT_STREAM, 6, 0]))
    from rnnchaos.networks.vector import sample_vector_batch
    maps = sample_vector_batch(build_vector_preset("leaky_tanh", 6, gain=2.5), 1, 3)
    lam = lyapunov_max(maps, 80, transient=40, tangent_transient=10, rng=rng)
    assert rows[0]["count"] == int(np.sum(lam > 0))
    assert rows[0]["median_lambda_max"] == pytest.approx(float(np.median(lam)))
    for bad in [dict(preset="nope"), dict(n=0), dict(dims=[0]), dict(gains=[-1.0])]:
        kw = {**dict(preset="rnn_tanh", dims=[4], gains=[1.0], n=2, seed=0), **bad}
        with pytest.raises(SpecError):
            lambda_max_sweep(kw.pop("preset"), kw.pop("dims"), kw.pop("gains"), kw.pop("n"),
                             kw.pop("seed"))


def test_lambda_max_sweep_is_independent_of_workers():
    kw = dict(preset="rnn_tanh", dims=[10], gains=[2.0], n=6, seed=3, steps=60, transient=20)
    assert lambda_max_sweep(**kw, workers=2) == lambda_max_sweep(**kw, workers=1)


def test_report_section_writes_figures_and_html(tmp_path, monkeypatch):
    tiny = jac_report._Plan(12, (0.12, 0.15, 0.2), 30, 40, "rnn_tanh", (8, 16), (0.5, 2.0), 6, 40, 20)
    monkeypatch.setattr(jac_report, "_QUICK", tiny)
    html = report_section(tmp_path, "quick", 7)
    for name in ("jacobian_threshold.png", "lambda_max_sweep.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
        assert f'src="{name}"' in html
    assert html.strip().startswith("<section") and html.strip().endswith("</section>")
    assert "hand-written" in html and "spectral norm" in html and "0.1487" in html
    assert json.loads((tmp_path / "jacobian_threshold.json").read_text())["n"] == 12
    with pytest.raises(SpecError):
        report_section(tmp_path, "medium", 7)

"""A miniature reproduction: tables, curves and the HTML report are produced and consistent."""
import json

from rnnchaos.reporting.reproduce import COLUMNS, PUBLISHED, ROWS, Plan, reproduce

TINY = Plan(table_n=60, widths=(2, 8, 16), width_tiers=((8, 60), (16, 20)), gain_n=60, gains=(0.5, 2.0),
            gain_widths=(2,))


def test_tiny_reproduction_writes_report(tmp_path):
    path = reproduce(tmp_path, seed=3, workers=1, plan=TINY, sections=False)
    html = path.read_text()
    assert "Why the published numbers differ" in html and "pending" in html
    assert "Is P(Li-Yorke chaos) independent of width?" in html
    for png in ("table_width2_relu.png", "width.png", "gain.png"):
        assert (tmp_path / png).stat().st_size > 1000
    data = json.loads((tmp_path / "results.json").read_text())
    assert {t["criterion"] for t in data["width_trends"]} == {"period_2", "period_3", "positive_entropy"}
    cells = {(r["preset"], r["width"], r["activation"], r["clip"], r["depth"]) for r in data["tables"]}
    assert len(cells) == len(ROWS) * len(COLUMNS) + 1  # + network A
    for r in data["tables"]:
        if r["activation"] == "tanh" and r["criterion"] != "reference_test":
            assert r["pending"] and r["p"] is None  # never a float guess
        else:
            assert not r["pending"] and r["n"] == 60
    # every published number has a row to sit beside
    for preset, cols in PUBLISHED.items():
        for key in cols:
            assert any(c.key == key for c in COLUMNS)
    # resuming the finished run recomputes nothing and gives the same numbers
    again = reproduce(tmp_path, seed=3, workers=1, plan=TINY, sections=False)
    assert json.loads((tmp_path / "results.json").read_text())["tables"] == data["tables"]
    assert again == path


def test_known_differences_are_shown_in_the_report(tmp_path):
    from rnnchaos.reporting.reproduce import KNOWN_DIFFERENCES
    path = reproduce(tmp_path, seed=5, workers=1, plan=TINY, sections=False)
    text = path.read_text()
    import html
    for why in KNOWN_DIFFERENCES.values():
        assert html.escape(why) in text


def test_report_sections_are_wired_in(tmp_path, monkeypatch):
    """reproduce() calls the scalar-experiment and Jacobian sections and embeds what they return."""
    from rnnchaos.reporting import figures_scalar, jacobian
    calls = []
    for module, name in ((figures_scalar, "scalar"), (jacobian, "jacobian")):
        def section(out, mode, seed, name=name, **options):
            calls.append((name, mode, seed))
            return f"<section id='stub-{name}'></section>"
        monkeypatch.setattr(module, "report_section", section)
    html = reproduce(tmp_path, seed=3, workers=1, plan=TINY).read_text()
    assert sorted(c[0] for c in calls) == ["jacobian", "scalar"]
    assert "stub-scalar" in html and "stub-jacobian" in html


def _cells(preset, counts, n, widths=(2, 4, 8, 16)):
    from rnnchaos.studies.stats import wilson_interval
    return [{"preset": preset, "gain": 1.0, "criterion": "period_3", "width": k, "count": c, "n": n,
             "p": c / n, "ci_low": wilson_interval(c, n)[0], "ci_high": wilson_interval(c, n)[1],
             "pending": False} for k, c in zip(widths, counts)]


def test_width_section_says_what_the_trend_says():
    from rnnchaos.reporting.reproduce import width_section_html, width_trends
    rows = _cells("paper_he", [700, 350, 180, 90], 10**6) + _cells("paper_glorot", [500, 497, 503, 499], 10**6)
    trends = {t["preset"]: t for t in width_trends(rows)}
    falling, flat = trends["paper_he"], trends["paper_glorot"]
    assert falling["slope"] < 0 and falling["ci_high"] < 0 and falling["p_value"] < 1e-10
    assert flat["ci_low"] < 0 < flat["ci_high"] and flat["p_value"] > 0.5
    text = width_section_html(list(trends.values()))
    assert "Is P(Li-Yorke chaos) independent of width?" in text
    assert "For 1 of 2 (row, gain) pairs" in text
    assert "depends on width: it falls" in text and "no trend detected" in text
    assert f"{falling['slope']:+.2e}" in text  # numbers come from the results


"""A miniature reproduction: tables, curves and the HTML report are produced and consistent."""
import json

from rnnchaos.reproduce import COLUMNS, PUBLISHED, ROWS, Plan, reproduce

TINY = Plan(table_n=60, width_n=60, widths=(2, 8), large_width_n=20, gain_n=60, gains=(0.5, 2.0),
            gain_widths=(2,), tanh_table_n=60, tanh_wide_table_n=8, tanh_width_n=20)


def test_tiny_reproduction_writes_report(tmp_path):
    path = reproduce(tmp_path, seed=3, workers=1, plan=TINY, sections=False)
    html = path.read_text()
    assert "Why the published numbers differ" in html and "pending" not in html
    for png in ("table_width2_relu.png", "width.png", "gain.png"):
        assert (tmp_path / png).stat().st_size > 1000
    data = json.loads((tmp_path / "results.json").read_text())
    # the width section has a tanh curve next to the ReLU one
    assert {(r["activation"], r["width"]) for r in data["width"] if r["activation"] == "tanh"} \
        == {("tanh", 2), ("tanh", 8)}
    cells = {(r["preset"], r["width"], r["activation"], r["clip"], r["depth"]) for r in data["tables"]}
    assert len(cells) == len(ROWS) * len(COLUMNS) + 1  # + network A
    for r in data["tables"]:
        n = 8 if r["activation"] == "tanh" and r["width"] > 8 else 60
        assert r["n"] == n and r["p"] is not None and "pending" not in r
        assert 0 <= r["count"] and r["count"] + r["undecided"] <= r["n"]
        if r["activation"] != "tanh" or r["criterion"] == "reference_test":
            assert r["undecided"] == 0
    # every published number has a row to sit beside
    for preset, cols in PUBLISHED.items():
        for key in cols:
            assert any(c.key == key for c in COLUMNS)
    # resuming the finished run recomputes nothing and gives the same numbers
    again = reproduce(tmp_path, seed=3, workers=1, plan=TINY, sections=False)
    assert json.loads((tmp_path / "results.json").read_text())["tables"] == data["tables"]
    assert again == path


def test_known_differences_are_shown_in_the_report(tmp_path):
    from rnnchaos.reproduce import KNOWN_DIFFERENCES
    path = reproduce(tmp_path, seed=5, workers=1, plan=TINY, sections=False)
    text = path.read_text()
    import html
    for why in KNOWN_DIFFERENCES.values():
        assert html.escape(why) in text

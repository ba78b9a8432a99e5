"""The project's documentation is self-contained: links resolve inside the repository."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SOURCES = [*PAGES, *sorted((ROOT / "src").rglob("*.py")), *sorted((ROOT / "tests").rglob("*.py"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text()):
        if "://" in target:
            continue
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_nothing_points_outside_the_repository():
    outside = re.compile(r"shared/|PAPER\.md|\.\./shared")
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in SOURCES if p.name != "test_docs.py"
            for i, line in enumerate(p.read_text().splitlines(), 1) if outside.search(line)]
    assert not hits, f"references to files users do not have: {hits}"

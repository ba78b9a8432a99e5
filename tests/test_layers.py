"""The package's layers: imports only point down, and no module imports itself back.

Layers, bottom to top (``../docs/layout.md``):
``errors``/``_lib`` < ``networks`` < ``exact`` < ``certified`` < ``deciders``/``dynamics``
< ``studies`` < ``reporting`` < ``cli``.  A module may import from its own layer or a lower
one.  Every import is read from the source (function-level imports included), so a lazy
import cannot hide an upward dependency.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "rnnchaos"

RANK = {"errors": 0, "_lib": 0, "networks": 1, "exact": 2, "certified": 3, "deciders": 4,
        "dynamics": 4, "studies": 5, "reporting": 6, "cli": 7, "__init__": 8, "__main__": 8}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every rnnchaos module ``path`` imports, as dotted names below ``rnnchaos``."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "rnnchaos":
                target = node.module.split(".")[1:]
            else:
                continue
            if not node.module:  # from . import a, b: each name may be a module
                for alias in node.names:
                    found.add(".".join(target + [alias.name]))
            else:
                found.add(".".join(target))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "rnnchaos":
                    found.add(".".join(alias.name.split(".")[1:]))
    return {m for m in found if m}


def layer(module: str) -> str:
    return module.split(".")[0]


MODULES = sorted(PKG.rglob("*.py"))
GRAPH = {module_name(p): imported_modules(p) for p in MODULES}


def test_every_module_belongs_to_a_layer():
    unknown = sorted(m for m in GRAPH if layer(m) not in RANK)
    assert not unknown, f"modules outside the layers: {unknown}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down(module):
    if layer(module) in ("__init__", "__main__"):
        return
    upward = sorted(t for t in GRAPH[module]
                    if layer(t) in RANK and RANK[layer(t)] > RANK[layer(module)])
    assert not upward, f"{module} imports upward: {upward}"


def test_no_import_cycles():
    # Package __init__ modules re-export their children, so an edge into a package means
    # "one of its modules"; only module-to-module edges are followed.
    graph = {m: {t for t in ts if t in GRAPH and t != m and not PKG.joinpath(*t.split("."), "__init__.py").exists()}
             for m, ts in GRAPH.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_the_checker_sees_upward_and_cyclic_imports(tmp_path):
    """The parser finds relative, absolute and function-level imports (the test can fail)."""
    src = tmp_path / "src" / "rnnchaos" / "networks"
    src.mkdir(parents=True)
    f = src / "demo.py"
    f.write_text("def g():\n    from ..studies.stats import wilson_interval\n"
                 "import rnnchaos.cli.main\nfrom . import model\n")
    global PKG
    saved, PKG = PKG, tmp_path / "src" / "rnnchaos"
    try:
        assert imported_modules(f) == {"studies.stats", "cli.main", "networks.model"}
    finally:
        PKG = saved


def test_no_private_name_is_imported_from_another_module():
    """A name with a leading underscore is its module's own business: a second user makes it
    public (renamed) or moves it to a shared home."""
    crossing = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("rnnchaos")):
                crossing += [f"{module_name(path)}: {a.name} from {node.module}" for a in node.names
                             if a.name.startswith("_") and not a.name.startswith("__")]
    assert not crossing, crossing

"""The layout the tree promises, read from the imports themselves (every `import`, also those
inside functions): no import cycle among the product packages, the product packages free of
Dagster, no two product modules with the same file name."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ("extract", "ingest", "serving", "expectations")  # Dagster-free: unit-testable without it
PACKAGES = (*PRODUCT, "orchestration")  # orchestration: the Dagster definitions that call them


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


def imported_names(path: Path, name: str) -> set[str]:
    """Every module name `path` imports, relative imports resolved; `from a import b` gives both
    `a` and `a.b` (b may be a module or a name in a)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of the packages it imports, with the package `__init__`s an import
    runs on the way (not the importer's own parents: they are already being imported)."""
    known = modules()
    graph = {}
    for name, path in known.items():
        own_parents = {name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1)}
        edges = set()
        for target in imported_names(path, name):
            if target in known:
                edges.add(target)
            parts = target.split(".")
            edges.update(p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in known)
        graph[name] = {t for t in edges - own_parents if t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_of_the_packages_has_no_cycle():
    graph = import_graph()
    assert len(graph) > 60 and graph["orchestration.definitions"], "the graph was not read"
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import(tmp_path):
    # the finder itself, on the shape the old tree had: a lazy import of the code location
    graph = {"defs": {"assets"}, "assets": {"publish"}, "publish": {"defs"}, "other": {"defs"}}
    assert cycles(graph) == [["assets", "defs", "publish"]]
    code = "def f():\n    from ..definitions import defs\n"
    module = tmp_path / "publish.py"
    module.write_text(code)
    assert "orchestration.definitions" in imported_names(module, "orchestration.defs.publish")


def test_the_product_packages_do_not_import_dagster():
    offenders = {
        name: sorted(t for t in imported_names(path, name) if t.split(".")[0].startswith("dagster"))
        for name, path in modules().items()
        if name.split(".")[0] in PRODUCT
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_two_product_modules_share_a_file_name():
    seen: dict[str, list[str]] = {}
    for name, path in modules().items():
        if name.split(".")[0] in PRODUCT and not path.name.startswith("__"):
            seen.setdefault(path.name, []).append(name)
    assert {file: names for file, names in seen.items() if len(names) > 1} == {}

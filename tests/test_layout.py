"""The product package's import graph: no cycles, no stand-in code, no unexplained lazy imports.

Imports are read with `ast`, at module and function level. A function-level import whose line
carries a comment (saying why it must be lazy) is left out of the graph.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = "app"
STANDINS = "standins"

# Owned by the webhook ingest rewrite; their cycle and lazy imports go with it.
WEBHOOK_INGEST_CYCLE = frozenset({"app.services.uninstall", "app.services.webhooks"})
WEBHOOK_INGEST_FILES = {"app/services/webhooks.py", "app/services/uninstall.py",
                        "app/webhooks/cli.py", "app/webhooks/views.py", "app/webhooks/delivery.py"}


@dataclass
class ImportGraph:
    modules: dict[str, Path]
    edges: dict[str, set[str]] = field(default_factory=dict)
    standin_imports: list[str] = field(default_factory=list)
    unexplained_lazy: list[str] = field(default_factory=list)


def module_name(path: Path, root: Path) -> str:
    name = ".".join(path.relative_to(root).with_suffix("").parts)
    return name.removesuffix(".__init__")


def imported_names(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def owning_module(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def read_graph(root: Path = ROOT) -> ImportGraph:
    modules = {module_name(p, root): p for p in sorted((root / PRODUCT).rglob("*.py"))}
    graph = ImportGraph(modules, {m: set() for m in modules})
    for module, path in modules.items():
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names = imported_names(module, path, node)
            where = f"{path.relative_to(root)}:{node.lineno}"
            graph.standin_imports += [f"{where} imports {n}" for n in names
                                      if n == STANDINS or n.startswith(STANDINS + ".")]
            targets = {owning_module(n, modules) for n in names} - {None, module}
            # A submodule importing its own package (re-exports) is not a cycle.
            targets = {t for t in targets if not module.startswith(t + ".")}
            if id(node) not in top_level:
                if "#" in lines[node.lineno - 1]:
                    continue
                if targets:
                    graph.unexplained_lazy.append(where)
            graph.edges[module] |= targets
    return graph


def import_cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(frozenset(component))

    for v in edges:
        if v not in index:
            visit(v)
    return cycles


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return read_graph()


def test_the_product_never_imports_the_standins(graph):
    assert graph.standin_imports == []


def test_the_product_has_no_import_cycles(graph):
    cycles = [sorted(c) for c in import_cycles(graph.edges) if c != WEBHOOK_INGEST_CYCLE]
    assert cycles == []


def test_webhooks_and_uninstall_do_not_import_each_other(graph):
    assert WEBHOOK_INGEST_CYCLE not in import_cycles(graph.edges)


# Each layer and the higher layers it must not import: clients and models below services,
# services below views, jobs and the CLI.
HIGHER_LAYERS = {
    "app.models": ("app.clients", "app.services", "app.admin", "app.auth", "app.webhooks",
                   "app.jobs"),
    "app.clients": ("app.models", "app.services", "app.admin", "app.auth", "app.webhooks",
                    "app.jobs"),
    "app.services": ("app.admin", "app.auth", "app.webhooks", "app.jobs", "app.cli",
                     "app.factory"),
}


def inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_lower_layers_never_import_higher_ones(graph):
    upward = sorted(f"{module} -> {target}"
                    for module, targets in graph.edges.items()
                    for layer, higher in HIGHER_LAYERS.items() if inside(module, layer)
                    for target in targets if any(inside(target, h) for h in higher))
    assert upward == []


def test_function_level_imports_of_the_product_say_why(graph):
    unexplained = [where for where in graph.unexplained_lazy
                   if where.rpartition(":")[0] not in WEBHOOK_INGEST_FILES]
    assert unexplained == []


def test_webhook_ingest_function_level_imports_say_why(graph):
    unexplained = [where for where in graph.unexplained_lazy
                   if where.rpartition(":")[0] in WEBHOOK_INGEST_FILES]
    assert unexplained == []


def test_the_graph_reader_sees_a_cycle_a_standin_import_and_an_unexplained_lazy_import(tmp_path):
    package = tmp_path / PRODUCT
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from app import b\n")
    (package / "b.py").write_text("def f():\n    from app.a import x\n    import standins.runner\n")
    (package / "c.py").write_text("def f():\n    from app.a import x  # lazy: why\n")
    found = read_graph(tmp_path)
    assert import_cycles(found.edges) == [frozenset({"app.a", "app.b"})]
    assert found.standin_imports == ["app/b.py:3 imports standins.runner"]
    assert found.unexplained_lazy == ["app/b.py:2"]

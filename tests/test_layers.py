"""The architecture of seqbook, read from its imports: floors that import only downwards,
matplotlib only in ``plot``, nothing importing ``tasks``, and no name imported from a module
that merely re-imports it (code/README.md explains the floors)."""

import ast
import json
from pathlib import Path

import pytest
from book import ROOT, notebook_paths

PACKAGE = ROOT / "code" / "seqbook"

# Lowest floor first; a unit (a top-level module or subpackage of seqbook) may import units
# of lower floors only, and any module of its own unit.
FLOORS = [
    {"checks"},
    {"runtime", "data", "plot", "check"},
    {"text"},
    {"nn", "losses", "ctc", "metrics", "train"},
    {"stats", "decode", "embeddings"},
    {"tasks"},
]
FLOOR = {unit: level for level, units in enumerate(FLOORS) for unit in units}


def modules() -> dict[str, Path]:
    """Every module of seqbook by dotted name, e.g. "seqbook.nn.rnn" -> its path."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


def unit_of(module: str) -> str | None:
    """"seqbook.nn.rnn" -> "nn"; None for the package root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def imports(tree: ast.AST) -> list[tuple[str, list[str]]]:
    """(imported module, names) for every import statement, at any depth (also inside functions)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def seqbook_imports(path: Path) -> list[tuple[str, list[str]]]:
    return [(m, names) for m, names in imports(ast.parse(path.read_text(encoding="utf-8")))
            if m == "seqbook" or m.startswith("seqbook.")]


def test_every_unit_has_a_floor():
    units = {unit_of(name) for name in MODULES} - {None}
    assert units == set(FLOOR), f"新模块要在 FLOORS 里放到某一层：{units ^ set(FLOOR)}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    here = unit_of(module)
    for imported, _ in seqbook_imports(MODULES[module]):
        there = unit_of(imported)
        if here is None:  # the package root offers set_seed and device
            assert there == "runtime", (module, imported)
        elif there != here:
            assert there is not None, f"{module} 不应 import seqbook 本身（会引入整个包）"
            assert FLOOR[there] < FLOOR[here], f"{module} import 了同层或上层的 {imported}"


def test_no_cycle_inside_a_unit():
    graph = {m: {i for i, _ in seqbook_imports(p) if i in MODULES and unit_of(i) == unit_of(m) and i != m}
             for m, p in MODULES.items()}
    state = {}

    def visit(node, path):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", "循环 import：" + " -> ".join([*path, node])
        state[node] = "open"
        for nxt in sorted(graph[node]):
            visit(nxt, [*path, node])
        state[node] = "done"

    for node in sorted(graph):
        visit(node, [])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_plot_imports_matplotlib(module):
    uses = [m for m, _ in imports(ast.parse(MODULES[module].read_text(encoding="utf-8")))
            if m.split(".")[0] == "matplotlib"]
    assert not uses or unit_of(module) == "plot", f"{module} import 了 matplotlib：画图的代码放进 seqbook.plot"


def test_nothing_outside_tasks_imports_tasks():
    offenders = [m for m, p in MODULES.items() if unit_of(m) != "tasks"
                 for i, _ in seqbook_imports(p) if unit_of(i) == "tasks"]
    assert not offenders


def defined_names(module: str) -> set[str]:
    """Names a module defines itself (functions, classes, assignments), plus a package's __all__."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:  # x = ... or x, y = ...
                elements = target.elts if isinstance(target, ast.Tuple) else [target]
                names |= {e.id for e in elements if isinstance(e, ast.Name)}
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                names |= set(ast.literal_eval(node.value))
    submodules = {m.rsplit(".", 1)[1] for m in MODULES if "." in m and m.rsplit(".", 1)[0] == module}
    return names | submodules


def import_sites() -> list[tuple[str, str, list[str]]]:
    """(where, module, names) of every `from seqbook... import` in the package, tests and notebooks."""
    sites = [(m, i, names) for m, p in MODULES.items() for i, names in seqbook_imports(p)]
    sites += [(p.name, i, names) for p in sorted((ROOT / "tests").glob("*.py")) for i, names in seqbook_imports(p)]
    for path in notebook_paths():
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and "seqbook" in source:
                code = "\n".join(  # IPython magics and shell lines are not Python
                    line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
                    for line in source.splitlines()
                )
                sites += [(path.name, i, names) for i, names in imports(ast.parse(code))
                          if i == "seqbook" or i.startswith("seqbook.")]
    return sites


def test_names_come_from_where_they_are_defined():
    """`from seqbook.tasks.translation import BOS` would work (translation imports BOS) but
    hides where BOS lives; every import names the module that defines it or exports it."""
    wrong = []
    for where, module, names in import_sites():
        if module not in MODULES:
            wrong.append(f"{where}: 没有模块 {module}")
            continue
        known = defined_names(module)
        wrong += [f"{where}: {module} 没有定义 {name}" for name in names if name not in known]
    assert not wrong, "\n".join(wrong)

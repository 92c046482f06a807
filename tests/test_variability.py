"""Every hidden range the book asserts for a trained quantity is justified by a measured
spread: `make variability` ran the notebook at least five times under perturbations, and
every value it measured lies inside the range the notebook states."""

import ast

import pytest
from book import ROOT, read_notebook

from tools.variability import END, PAGE, START, load_tables, problems, render, training_notebooks

MIN_RUNS = 5
NOTEBOOKS = training_notebooks()
TABLES = load_tables()


def stated_ranges(path) -> dict[str, tuple]:
    """``{name: (low, high)}`` of every expect call whose name and range are literals."""
    found = {}
    for cell in read_notebook(path)["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "\n".join(line for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "expect"):
                continue
            if not (node.args and isinstance(node.args[0], ast.Constant)):
                continue
            bounds = dict(zip(("low", "high"), node.args[2:4], strict=False))
            bounds |= {kw.arg: kw.value for kw in node.keywords}
            found[node.args[0].value] = tuple(_literal(bounds.get(key)) for key in ("low", "high"))
    return found


def _literal(node):
    if node is None:
        return None
    try:
        return eval(compile(ast.Expression(node), "<expect>", "eval"), {"__builtins__": {}})  # numbers only
    except NameError:
        return "computed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_every_stated_range_contains_the_measured_spread(path):
    name = str(path.relative_to(ROOT))
    assert name in TABLES, f"{name} 没有波动表：请运行 .venv/bin/python tools/variability.py {name}"
    table = TABLES[name]
    assert len(table["runs"]) >= MIN_RUNS, f"{name} 只测了 {len(table['runs'])} 次，至少要 {MIN_RUNS} 次"
    assert not problems(name, table), "\n".join(problems(name, table))
    for quantity, (low, high) in stated_ranges(path).items():
        assert quantity in table["quantities"], f"{name}：{quantity} 不在波动表里，请重新测量"
        measured = table["quantities"][quantity]
        if low != "computed":
            assert low is None or measured["min"] >= low, f"{name}：{quantity} 测得最小 {measured['min']}，低于书中的 {low}"
        if high != "computed":
            assert high is None or measured["max"] <= high, f"{name}：{quantity} 测得最大 {measured['max']}，高于书中的 {high}"


def test_tables_belong_to_notebooks_that_check_them():
    names = {str(p.relative_to(ROOT)) for p in NOTEBOOKS}
    assert set(TABLES) <= names, f"这些笔记本已不再调用 expect，删掉它们的表：{set(TABLES) - names}"


def test_the_appendix_shows_the_tables():
    page = PAGE.read_text(encoding="utf-8")
    assert page.split(START)[1].split(END)[0].strip() == render(TABLES).strip(), (
        "附录《运行时间》中的波动表与 variability.json 不一致：请运行 .venv/bin/python tools/variability.py --render"
    )

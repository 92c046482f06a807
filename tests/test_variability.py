"""Every hidden range the book asserts for a trained quantity is justified by a measured
spread: `make variability` ran the notebook at least five times under perturbations, and
every value it measured lies inside the range the notebook states."""

import pytest
from book import ROOT

from tools.variability import (
    END,
    PAGE,
    START,
    load_tables,
    problems,
    render,
    stated_ranges,
    training_notebooks,
    unreadable_expects,
    with_stated_ranges,
)

MIN_RUNS = 5
NOTEBOOKS = training_notebooks()
TABLES = with_stated_ranges(load_tables())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_every_stated_range_contains_the_measured_spread(path):
    name = str(path.relative_to(ROOT))
    assert name in TABLES, f"{name} 没有波动表：请运行 .venv/bin/python tools/variability.py {name}"
    table = TABLES[name]
    assert len(table["runs"]) >= MIN_RUNS, f"{name} 只测了 {len(table['runs'])} 次，至少要 {MIN_RUNS} 次"
    missing = set(stated_ranges(path)) - set(table["quantities"])
    assert not missing, f"{name}：这些量不在波动表里，请重新测量：{missing}"
    found = problems(name, table)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_every_range_can_be_read_from_the_source(path):
    unreadable = unreadable_expects(path)
    assert not unreadable, (f"{path.name}：这些 expect 的名字或范围不是字面量，无法与波动表核对；"
                            f"请逐个写出：{unreadable}")


def test_tables_belong_to_notebooks_that_check_them():
    names = {str(p.relative_to(ROOT)) for p in NOTEBOOKS}
    assert set(TABLES) <= names, f"这些笔记本已不再调用 expect，删掉它们的表：{set(TABLES) - names}"


def test_the_appendix_shows_the_tables():
    page = PAGE.read_text(encoding="utf-8")
    assert page.split(START)[1].split(END)[0].strip() == render(TABLES).strip(), (
        "附录《运行时间》中的波动表与 variability.json 不一致：请运行 .venv/bin/python tools/variability.py --render"
    )


def test_no_attention_quotes_the_attention_models_book_run():
    """no-attention compares with the translation notebook's model without retraining it: the
    numbers it quotes must be that notebook's book run (run 1 of its table), so they can't go
    stale when the translation notebook changes."""
    import ast
    import json

    chapter = ROOT / "chapters" / "07-seq2seq-attention"
    run1 = {name: q["values"][0] for name, q in
            json.loads((chapter / "variability.json").read_text(encoding="utf-8"))["translation.ipynb"]["quantities"].items()}
    quoted = {}
    for cell in json.loads((chapter / "no-attention.ipynb").read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code" and "ATTENTION" in "".join(cell["source"]):
            for node in ast.parse("".join(cell["source"])).body:
                target = node.targets[0] if isinstance(node, ast.Assign) else None
                if isinstance(target, ast.Name) and target.id.startswith("ATTENTION"):
                    quoted[target.id] = ast.literal_eval(node.value)
    assert quoted["ATTENTION"] == {"贪心": round(run1["贪心搜索的 BLEU"], 2),
                                   "束搜索 k=5": round(run1["束搜索 k=5 的 BLEU"], 2)}
    groups = ["1-6", "7-9", "10-12", "13-16", "17+"]
    assert quoted["ATTENTION_BY_LENGTH"] == [round(run1[f"{g} 个字原句的 BLEU（束搜索）"], 1) for g in groups]

"""Every hidden range the book asserts for a trained quantity is justified by a measured
spread: `make variability` ran the notebook at least five times under perturbations, and
every value it measured lies inside the range the notebook states."""

import pytest
from book import ROOT, needs

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


@needs("tatoeba-cmn-eng")
def test_the_saved_translations_are_the_translation_notebooks_book_run():
    """no-attention compares with the translation notebook's model without retraining it, using
    the test outputs that notebook saved (make execute): they must score what its book run
    (run 1 of its table) scored, so they can't go stale when the translation notebook changes."""
    import json

    from seqbook.metrics import sacrebleu_13a
    from seqbook.tasks.translation import load_translation

    chapter = ROOT / "chapters" / "07-seq2seq-attention"
    run1 = {name: q["values"][0] for name, q in
            json.loads((chapter / "variability.json").read_text(encoding="utf-8"))["translation.ipynb"]["quantities"].items()}
    saved = json.loads((chapter / "translation-outputs.json").read_text(encoding="utf-8"))
    references = [refs for _, refs in load_translation().test]
    assert sacrebleu_13a(saved["greedy"], references).score == pytest.approx(run1["贪心搜索的 BLEU"], abs=1e-9)
    assert sacrebleu_13a(saved["beam"], references).score == pytest.approx(run1["所选束搜索的 BLEU"], abs=1e-9)

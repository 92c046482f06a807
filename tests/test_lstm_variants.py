"""The peephole-LSTM exercise of chapter 4 (lstm-cell.ipynb): the reader's stub is a stub,
the hidden check cell runs the folded solution through seqbook.check.solution, and that solution agrees with
the notebook's independent computation through nn.LSTMCell and with a plain LSTM when the
peephole weights are zero. (nbval runs the notebook itself; this test needs no kernel.)"""

import linecache
import math
import re

import pytest
import torch
from book import ROOT, read_notebook
from torch import nn

from seqbook.check import CheckFailed, check

NOTEBOOK = ROOT / "chapters" / "04-lstm" / "lstm-cell.ipynb"


def _cells() -> list[dict]:
    return read_notebook(NOTEBOOK)["cells"]


def _one(predicate, what: str) -> str:
    found = ["".join(c["source"]) for c in _cells() if predicate(c)]
    assert len(found) == 1, f"lstm-cell.ipynb 中应恰好有一个{what}，找到 {len(found)} 个"
    return found[0]


def _solution_code() -> str:
    text = _one(lambda c: c["cell_type"] == "markdown" and "{solution} ch4-ex-peephole" in "".join(c["source"]),
                "练习 ch4-ex-peephole 的答案")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "答案中应恰好有一段 Python 代码"
    return blocks[0]


def _exercise_code() -> str:
    return _one(lambda c: c["cell_type"] == "code" and "def peephole_by_lstmcell" in "".join(c["source"]),
                "定义 peephole_by_lstmcell 的练习单元")


def _run(source: str, namespace: dict, name: str) -> None:
    """Execute ``source`` as a notebook cell would: with its text in linecache, so that
    ``seqbook.check`` can read a function's source and recognise a stub."""
    filename = f"<{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), namespace)


def _namespace() -> dict:
    namespace = {"torch": torch, "nn": nn, "check": check, "CheckFailed": CheckFailed, "math": math}
    _run(_exercise_code(), namespace, "练习单元")  # the stub, the reference through nn.LSTMCell, the cases
    return namespace


def test_the_hidden_check_runs_the_code_of_the_solution():
    hidden = _one(lambda c: c["cell_type"] == "code" and 'solution("ch4-ex-peephole", globals())' in "".join(c["source"]),
                  "检查练习 ch4-ex-peephole 的隐藏单元")
    cell = next(c for c in _cells() if "".join(c["source"]) == hidden)
    assert "remove-cell" in cell["metadata"].get("tags", [])
    assert "assert check(answer.my_peephole_lstm_cell, peephole_by_lstmcell, peephole_cases)" in hidden


def test_the_exercise_cell_gives_a_stub_not_the_answer(capsys):
    namespace = _namespace()  # the cell's own check call meets the stub: a hint, no error
    assert "my_peephole_lstm_cell 还是练习的空壳" in capsys.readouterr().out
    case = namespace["peephole_cases"][0]
    assert namespace["my_peephole_lstm_cell"](*case) is None
    assert check(namespace["my_peephole_lstm_cell"], namespace["peephole_by_lstmcell"], [case]) == 0


def test_the_solution_agrees_with_lstmcell_with_and_without_peepholes():
    namespace = _namespace()
    _run(_solution_code(), namespace, "答案")
    solution, reference = namespace["my_peephole_lstm_cell"], namespace["peephole_by_lstmcell"]
    cases = namespace["peephole_cases"]
    assert check(solution, reference, cases) == len(cases)
    for x, state, w_ih, w_hh, b_ih, b_hh, w_peep in cases:
        plain = nn.LSTMCell(x.shape[-1], state[0].shape[-1])
        with torch.no_grad():
            for name, value in [("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih), ("bias_hh", b_hh)]:
                getattr(plain, name).copy_(value)
            expected = plain(x, state)
        for got, want in zip(solution(x, state, w_ih, w_hh, b_ih, b_hh, torch.zeros_like(w_peep)), expected,
                             strict=True):
            torch.testing.assert_close(got, want)


def test_the_output_gate_must_see_the_new_cell_state():
    """A common mistake (the output gate reading c_{t-1}) is caught by the reader's check."""
    namespace = _namespace()
    source = _solution_code().replace("p_o * c_new", "p_o * c")
    assert source != _solution_code()
    _run(source, namespace, "有错的答案")
    with pytest.raises(CheckFailed):
        check(namespace["my_peephole_lstm_cell"], namespace["peephole_by_lstmcell"], namespace["peephole_cases"])

import json

import pytest
import torch

from seqbook.check import CheckFailed, OutOfRange, check, check_layer, expect, solution


def reference_square(x):
    return x * x


def test_check_passes_and_counts(capsys):
    assert check(lambda x: x**2, reference_square, [1, 2, 3.5], name="square") == 3
    assert "3 个测试全部通过" in capsys.readouterr().out


def test_check_names_the_failing_input():
    with pytest.raises(CheckFailed, match=r"第 2 个测试：square\(3\) 应为 9，实际为 6"):
        check(lambda x: x * 2, reference_square, [2, 3], name="square")


def test_check_explains_exceptions_and_shapes():
    with pytest.raises(CheckFailed, match="ZeroDivisionError"):
        check(lambda x: 1 / 0, reference_square, [1])
    with pytest.raises(CheckFailed, match=r"形状应为 \(2, 2\)，实际为 \(4,\)"):
        check(lambda t: (t @ t).flatten(), lambda t: t @ t, [torch.eye(2)])


def test_check_compares_nested_lists():
    with pytest.raises(CheckFailed, match="第 1 个元素"):
        check(lambda s: [("a", "b"), ("b", "x")], lambda s: [("a", "b"), ("b", "c")], ["abc"])


def test_check_needs_cases():
    with pytest.raises(ValueError, match="cases"):
        check(reference_square, reference_square, [])


class ScaledRNNCell(torch.nn.RNNCell):
    """A wrong cell: same parameters as nn.RNNCell, different output."""

    def forward(self, x, h=None):
        return 2 * super().forward(x, h)


def rnn_inputs(kwargs):
    return (torch.randn(3, kwargs["input_size"]), torch.randn(3, kwargs["hidden_size"]))


def test_check_layer_accepts_an_equal_layer_and_rejects_a_wrong_one():
    configs = [{"input_size": 4, "hidden_size": 5}, {"input_size": 2, "hidden_size": 3, "bias": False}]
    assert check_layer(torch.nn.RNNCell, torch.nn.RNNCell, configs, rnn_inputs) == 2
    with pytest.raises(CheckFailed, match="输出"):
        check_layer(ScaledRNNCell, torch.nn.RNNCell, configs, rnn_inputs)
    with pytest.raises(CheckFailed, match="参数名或形状"):
        check_layer(torch.nn.GRUCell, torch.nn.RNNCell, configs, rnn_inputs)


def test_expect_returns_the_value_inside_its_range():
    assert expect("准确率", 0.9, 0.85, 0.95) == 0.9
    assert expect("差", torch.tensor(0.02), low=0) == pytest.approx(0.02)
    assert expect("损失", 3, high=3) == 3.0


def test_expect_names_the_quantity_and_the_range_it_left():
    with pytest.raises(OutOfRange, match=r"准确率 = 0\.8，超出了书中实测的范围 \[0\.85, 0\.95\]"):
        expect("准确率", 0.8, 0.85, 0.95)
    with pytest.raises(OutOfRange, match=r"\[0, \+∞\]"):
        expect("差", -0.1, low=0)


@pytest.mark.parametrize(("args", "error"), [
    (("", 1.0, 0, 1), ValueError),
    (("x", float("nan"), 0, 1), TypeError),
    (("x", True, 0, 1), TypeError),
    (("x", "0.5", 0, 1), TypeError),
    (("x", 0.5), ValueError),
    (("x", 0.5, 1, 0), ValueError),
])
def test_expect_rejects_bad_arguments(args, error):
    with pytest.raises(error, match="expect|名字"):
        expect(*args)


def test_expect_records_every_call_when_asked(tmp_path, monkeypatch):
    record = tmp_path / "record.jsonl"
    monkeypatch.setenv("SEQBOOK_RECORD", str(record))
    expect("a", 0.5, 0, 1)
    assert expect("b", 2.0, high=1) == 2.0  # measured, and reported by the harness instead
    lines = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"name": "a", "value": 0.5, "low": 0, "high": 1, "held": True},
        {"name": "b", "value": 2.0, "low": None, "high": 1, "held": False},
    ]


STUB_SOURCE = '''
import torch
from seqbook.check import check, check_layer


def my_square(x):
    # 你的代码
    ...


class MyCell(torch.nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()

    def forward(self, x, h=None):
        """还没写。"""
'''


def test_a_stub_gets_a_hint_not_a_traceback(tmp_path, capsys, monkeypatch):
    """The reader runs the exercise cell before writing anything: a hint, no error."""
    module = tmp_path / "stubs.py"  # a file, so that inspect can read the stubs' source
    module.write_text(STUB_SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import stubs

    assert check(stubs.my_square, reference_square, [2]) == 0
    assert "my_square 还是练习的空壳" in capsys.readouterr().out
    inputs = lambda kwargs: (torch.randn(2, kwargs["input_size"]),)  # noqa: E731
    assert check_layer(stubs.MyCell, torch.nn.RNNCell, [{"input_size": 2, "hidden_size": 3}], inputs) == 0
    assert "MyCell 还是练习的空壳" in capsys.readouterr().out


def test_check_explains_a_missing_return():
    def forgot_return(x):
        x * x

    with pytest.raises(CheckFailed, match="返回了 None：函数还没写完，还是忘了 return"):
        check(forgot_return, reference_square, [3])


def write_notebook(folder, *markdown):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": text} for text in markdown]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "page.ipynb").write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")


SOLUTION = """````{solution} t-ex-square
:class: dropdown
平方就是自己乘自己。

```python
def my_square(x):
    return scale * x * x
```
````"""


def test_solution_runs_the_folded_answer_in_a_copy_of_the_namespace(tmp_path, monkeypatch):
    write_notebook(tmp_path, "# 练习", SOLUTION)
    monkeypatch.chdir(tmp_path)
    namespace = {"scale": 1, "my_square": "the reader's stub"}
    answer = solution("t-ex-square", namespace)
    assert check(answer.my_square, reference_square, [1, 2, 3]) == 3
    assert namespace == {"scale": 1, "my_square": "the reader's stub"}  # untouched
    assert set(vars(answer)) == {"my_square"}


def test_solution_names_a_missing_label_or_code_block(tmp_path, monkeypatch):
    write_notebook(tmp_path, SOLUTION, "````{solution} t-ex-prose\n:class: dropdown\n只有文字。\n````")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LookupError, match="找不到练习 't-ex-missing' 的答案"):
        solution("t-ex-missing", {})
    with pytest.raises(ValueError, match="练习 't-ex-prose' 的答案里没有 ```python 代码块"):
        solution("t-ex-prose", {})

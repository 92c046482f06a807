"""Self-checks for exercises (the reader's code is run against a reference and any
difference is explained in Chinese, with the input that exposed it), and ``expect``, the
hidden checks' assertion for quantities that depend on training."""

import ast
import copy
import inspect
import json
import math
import os
import re
import sys
import textwrap
from numbers import Real
from pathlib import Path
from types import SimpleNamespace

import torch

from seqbook.checks import (
    check_callable,
    check_layer_class,
    check_not_empty,
    check_number,
    check_string,
)

RECORD_ENV = "SEQBOOK_RECORD"


class CheckFailed(AssertionError):
    """The reader's answer differs from the reference; the message says where and how."""


def _differs(got, expected, rtol: float, atol: float) -> str | None:
    """A Chinese description of how ``got`` differs from ``expected``, or None if equal."""
    if got is None and expected is not None:
        return f"应为 {_short(expected)}，实际返回了 None：函数还没写完，还是忘了 return？"
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"应返回张量（torch.Tensor），实际返回了 {type(got).__name__}"
        if got.shape != expected.shape:
            return f"形状应为 {tuple(expected.shape)}，实际为 {tuple(got.shape)}"
        try:
            torch.testing.assert_close(got, expected, rtol=rtol, atol=atol, check_dtype=False)
        except AssertionError as err:
            return "数值不一致：" + str(err).splitlines()[0]
        return None
    if isinstance(expected, float) or isinstance(got, float):
        ok = isinstance(got, (int, float)) and math.isclose(got, expected, rel_tol=rtol, abs_tol=atol)
        return None if ok else f"应为 {expected!r}，实际为 {got!r}"
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        if len(got) != len(expected):
            return f"长度应为 {len(expected)}，实际为 {len(got)}（应为 {expected!r}，实际为 {got!r}）"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            why = _differs(g, e, rtol, atol)
            if why:
                return f"第 {i} 个元素：{why}"
        return None
    return None if got == expected else f"应为 {expected!r}，实际为 {got!r}"


class OutOfRange(AssertionError):
    """A measured quantity fell outside the range the book states for it."""


def expect(name: str, value, low: float | None = None, high: float | None = None) -> float:
    """Assert ``low <= value <= high`` for a quantity that depends on training; return it.

    A trained model differs a little with the seed, the CPU's vector unit and the number of
    threads, so a hidden check states the range the book measured over such runs
    (``make variability``), not the value of one run. ``low`` or ``high`` may be None for a
    one-sided claim, e.g. ``expect("gap", a - b, low=0)`` for "a > b".

    When the environment variable ``SEQBOOK_RECORD`` names a file, the harness is measuring:
    every call appends one JSON line to it (name, value, range, whether it held) and does
    not raise, so that one run measures every quantity of the notebook; the harness then
    fails for each value that left its range.
    """
    check_string("name", name, hint="expect 的第一个参数是这个量的名字，例如 expect('准确率', acc, low=0.8)。")
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise TypeError(f"expect({name!r}, ...) 的值 value 应为有限的实数，实际为 {value!r}。")
    for bound, given in (("low", low), ("high", high)):
        if given is not None:
            check_number(bound, given, hint=f"expect({name!r}, ...) 的范围端点是数，单侧的论断用 None。")
    if low is None and high is None:
        raise ValueError(f"expect({name!r}, ...) 至少要给出 low 或 high 中的一个。")
    if low is not None and high is not None and low > high:
        raise ValueError(f"expect({name!r}, ...) 的范围为空：low={low} 大于 high={high}。")
    value = float(value)
    held = (low is None or value >= low) and (high is None or value <= high)
    path = os.environ.get(RECORD_ENV)
    if path:
        entry = {"name": name, "value": value, "low": low, "high": high, "held": held}
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps(entry, ensure_ascii=False) + "\n")
    if not held and not path:
        shown = f"[{'-∞' if low is None else low}, {'+∞' if high is None else high}]"
        raise OutOfRange(f"{name} = {value:.6g}，超出了书中实测的范围 {shown}。")
    return value


def check(candidate, reference, cases, *, name=None, rtol=1e-5, atol=1e-6) -> int:
    """Call ``candidate`` and ``reference`` on every case and compare the results.

    ``cases`` is a list of argument tuples (a single argument may be given bare).
    Raises :class:`CheckFailed` at the first difference; returns the number of cases passed.
    """
    check_callable("candidate", candidate, "传入你写的函数本身，不要调用它：check(my_fn, ...)。")
    check_callable("reference", reference)
    if name is not None:
        check_string("name", name)
    _check_tolerances(rtol, atol)
    cases = list(cases)
    check_not_empty("cases", cases, "至少给出一组测试输入。")
    name = name or getattr(candidate, "__name__", "你的函数")
    if _is_stub(candidate):
        return _stub_hint(name)
    for number, args in enumerate(cases, start=1):
        args = args if isinstance(args, tuple) else (args,)
        shown = ", ".join(_short(a) for a in args)
        expected = reference(*copy.deepcopy(args))
        try:
            got = candidate(*copy.deepcopy(args))
        except Exception as err:  # the reader's code may raise anything; explain it
            raise CheckFailed(
                f"第 {number} 个测试：调用 {name}({shown}) 时出错：{type(err).__name__}: {err}"
            ) from None
        why = _differs(got, expected, rtol, atol)
        if why:
            raise CheckFailed(f"第 {number} 个测试：{name}({shown}) {why}")
    print(f"✓ {name}：{len(cases)} 个测试全部通过")
    return len(cases)


def check_layer(candidate_cls, reference_cls, init_kwargs, inputs, *, rtol=1e-5, atol=1e-6) -> int:
    """Check a reader's layer class against a reference layer (e.g. ``torch.nn.RNNCell``).

    For each kwargs dict in ``init_kwargs`` both layers are built, the reference's weights are
    loaded into the candidate (so parameter names and shapes must match), and outputs and
    gradients are compared on ``inputs(kwargs)``, a function returning the argument tuple.
    """
    for name, cls in (("candidate_cls", candidate_cls), ("reference_cls", reference_cls)):
        check_layer_class(name, cls, "torch.nn.RNNCell 或你写的 MyRNNCell")
    check_callable("inputs", inputs, "inputs(kwargs) 返回该配置的输入张量组成的元组。")
    _check_tolerances(rtol, atol)
    if _is_stub(candidate_cls):
        return _stub_hint(candidate_cls.__name__)
    init_kwargs = list(init_kwargs)
    check_not_empty("init_kwargs", init_kwargs, "至少给出一组构造参数，例如 [{'input_size': 3, 'hidden_size': 4}]。")
    passed = 0
    for kwargs in init_kwargs:
        reference = reference_cls(**kwargs)
        candidate = candidate_cls(**kwargs)
        label = f"{candidate_cls.__name__}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
        try:
            candidate.load_state_dict(reference.state_dict())
        except RuntimeError as err:
            raise CheckFailed(f"{label} 的参数名或形状与 {reference_cls.__name__} 不一致：{err}") from None
        args = inputs(kwargs)
        ref_args = [a.detach().clone().requires_grad_(a.is_floating_point()) for a in args]
        cand_args = [a.detach().clone().requires_grad_(a.is_floating_point()) for a in args]
        expected, got = reference(*ref_args), candidate(*cand_args)
        why = _differs(list(_flat(got)), list(_flat(expected)), rtol, atol)
        if why:
            raise CheckFailed(f"{label} 的输出与 {reference_cls.__name__} 不同：{why}")
        sum(t.sum() for t in _flat(expected)).backward()
        sum(t.sum() for t in _flat(got)).backward()
        for pname, p in reference.named_parameters():
            why = _differs(dict(candidate.named_parameters())[pname].grad, p.grad, rtol, atol)
            if why:
                raise CheckFailed(f"{label} 的参数 {pname} 的梯度与参考实现不同：{why}")
        passed += 1
    print(f"✓ {candidate_cls.__name__}：{passed} 种配置的输出和梯度都与 {reference_cls.__name__} 一致")
    return passed


def solution(label: str, namespace: dict) -> SimpleNamespace:
    """Run the code of the folded solution to exercise ``label``; return the names it defines.

    The code is the ```` ```python ```` block of the ``{solution} label`` cell in this book's
    notebooks, run in a copy of ``namespace`` (the notebook's ``globals()``), so the hidden
    check tests exactly the answer the reader unfolds, and the reader's own names stay untouched.
    """
    check_string("label", label, hint="练习的标签，例如 'ch1-ex-bpe-merge'。")
    code = _solution_code(label)
    scope = dict(namespace)
    before = set(scope)
    exec(compile(code, f"<答案 {label}>", "exec"), scope)  # noqa: S102 (the book's own text)
    defined = {k: v for k, v in scope.items() if k not in before or v is not namespace.get(k)}
    defined.pop("__builtins__", None)
    return SimpleNamespace(**defined)


_SOLUTION = re.compile(
    r"^(?P<fence>`{3,})\{solution\}[ \t]*(?P<label>\S+)[ \t]*\n(?P<body>.*?)\n(?P=fence)[ \t]*$", re.S | re.M
)
_PYTHON_BLOCK = re.compile(r"^```python\n(?P<code>.*?)^```\s*$", re.S | re.M)


def _solution_code(label: str) -> str:
    """The Python code in the solution to ``label``, from the notebooks near the working directory."""
    for cells in _notebooks():
        for source in cells:
            for match in _SOLUTION.finditer(source):
                if match.group("label") != label:
                    continue
                blocks = _PYTHON_BLOCK.findall(match.group("body"))
                if not blocks:
                    raise ValueError(f"练习 {label!r} 的答案里没有 ```python 代码块，无法自检。")
                return "\n\n".join(blocks)
    raise LookupError(
        f"找不到练习 {label!r} 的答案：在当前目录 {Path.cwd()} 和本书的 chapters/ 中都没有它。"
        "请在笔记本所在的目录里运行，或检查标签的拼写。"
    )


def _notebooks():
    """The markdown sources of every notebook the book has here (each notebook: a list of cells)."""
    if "google.colab" in sys.modules:  # Colab keeps the open notebook in the browser, not on disk
        from google.colab import _message

        yield _markdown(_message.blocking_request("get_ipynb", timeout_sec=30)["ipynb"])
    book = Path(__file__).resolve().parents[2] / "chapters"
    for folder in (Path.cwd(), book):
        for path in sorted(folder.glob("**/*.ipynb") if folder == book else folder.glob("*.ipynb")):
            yield _markdown(json.loads(path.read_text(encoding="utf-8")))


def _markdown(notebook: dict) -> list[str]:
    cells = notebook.get("cells", [])
    return ["".join(c["source"]) for c in cells if c.get("cell_type") == "markdown"]


def _is_stub(obj) -> bool:
    """True for a function (or a class with a method) whose body is only ``...``, ``pass`` or a docstring."""
    functions = [obj] if inspect.isfunction(obj) else []
    if inspect.isclass(obj):
        functions = [f for f in vars(obj).values() if inspect.isfunction(f)]
    for function in functions:
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and hasattr(tree.body[0], "body") else []
        if body and all(_is_placeholder(statement) for statement in body):
            return True
    return False


def _is_placeholder(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _stub_hint(name: str) -> int:
    """Tell the reader that the exercise is still a stub (not an error: nothing was checked)."""
    print(
        f"✎ {name} 还是练习的空壳（函数体只有 ...）：把 ... 换成你的代码，再运行这个单元。"
        "卡住了可以展开下面的“答案”。"
    )
    return 0


def _check_tolerances(rtol, atol) -> None:
    check_number("rtol", rtol, low=0, hint="它是允许的相对误差，例如 1e-5。")
    check_number("atol", atol, low=0, hint="它是允许的绝对误差，例如 1e-6。")


def _flat(value):
    """The tensors inside a (possibly nested) tuple of outputs, in order."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _flat(item)


def _short(value) -> str:
    """A short readable form of an argument for messages."""
    if isinstance(value, torch.Tensor):
        return f"张量{tuple(value.shape)}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

"""Exercises: the reader gets a stub, the answer is folded, and CI checks the folded answer."""

import ast
import re
from collections import defaultdict

import pytest
from book import ROOT, notebook_paths, read_notebook

from seqbook.check import _is_placeholder  # the rule check() uses to recognise a stub

NOTEBOOKS = notebook_paths()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
EXERCISE_LABEL = re.compile(r"```\{exercise\}[^\n]*\n:label:\s*(\S+)")
SOLUTION_CALL = re.compile(r"""solution\(\s*["']([\w-]+)["']\s*,\s*globals\(\)\s*\)""")
READER_NAME = re.compile(r"^(my_\w+|My\w+)$")


def code_cells(path):
    """(source, hidden, exercise label in force) for every code cell of the notebook."""
    label = None
    for cell in read_notebook(path)["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            label = (EXERCISE_LABEL.findall(source) or [label])[-1]
        elif cell["cell_type"] == "code":
            yield source, "remove-cell" in cell["metadata"].get("tags", []), label


def reader_definitions(source):
    """The exercise functions and classes (``my_*``, ``My*``) a cell defines."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: not an exercise cell
        return []
    return [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and READER_NAME.match(node.name)]


def is_stub(node):
    functions = [node] if isinstance(node, ast.FunctionDef) else [n for n in node.body if isinstance(n, ast.FunctionDef)]
    return any(all(_is_placeholder(statement) for statement in function.body) for function in functions)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_answer_in_plain_view(path):
    """Every exercise function or class a reader sees outside the folded solution is a stub."""
    for source, hidden, label in code_cells(path):
        for node in [] if hidden else reader_definitions(source):
            assert is_stub(node), f"{path.name}：练习 {label} 的 {node.name} 在可见的单元里给出了答案；答案应放进折叠的 solution"


def self_checks():
    """{notebook: ({labels whose visible cell calls check on a stub}, {labels whose hidden cell checks the solution})}."""
    found = {}
    for path in NOTEBOOKS:
        asked, proven = set(), set()
        for source, hidden, label in code_cells(path):
            if hidden:
                for checked in SOLUTION_CALL.findall(source):
                    assert re.search(r"assert check(_layer)?\(answer\.", source), f"{path.name}：{checked} 的隐藏单元应断言 check 的结果"
                    proven.add(checked)
            elif reader_definitions(source) and re.search(r"^check(_layer)?\(", source, re.M):
                asked.add(label)
        found[path] = (asked, proven)
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_self_check_is_run_on_the_folded_answer(path):
    asked, proven = self_checks()[path]
    assert asked <= proven, f"{path.name}：练习 {sorted(asked - proven)} 缺少用 solution(...) 检查折叠答案的隐藏单元"


def test_every_chapter_has_two_self_checked_exercises():
    per_chapter = defaultdict(set)
    for path, (asked, proven) in self_checks().items():
        per_chapter[path.parent.name] |= asked & proven
    for chapter in sorted(p.name for p in (ROOT / "chapters").iterdir() if re.match(r"0[1-9]-", p.name)):
        assert len(per_chapter[chapter]) >= 2, f"{chapter} 只有 {len(per_chapter[chapter])} 个带自检的练习，至少要 2 个"

"""One term per concept (the glossary is the authority): the retired variants can't come back."""

import re

import pytest
from book import ROOT, notebook_paths, read_notebook

# retired variant -> the book's term; checked everywhere a reader reads text
RETIRED = {
    r"隐状态": "隐藏状态",
    r"暂退法?": "丢弃（dropout）",
    r"准确率\s*[（(]\s*precision": "精确率（precision）；准确率是 accuracy",
    r"precision\s*[)）]?\s*[（(]\s*准确率": "精确率（precision）；准确率是 accuracy",
}
# retired in prose only (code may name the argument `dropout` or PyTorch's H_in)
RETIRED_IN_PROSE = {
    r"(?<!丢弃（)(?<![\w-])dropout(?![\w-])(?!）)": "正文写“丢弃”（第一次出现时写“丢弃（dropout）”），参数写作 `dropout`",
    r"H_\{?(?:\\(?:text|mathrm)\{)?in\b": "本书的记号：输入维度是 $D$（PyTorch 文档的 $H_{in}$ 只在前言的记号表里出现）",
}
NOTATION_PAGE = ROOT / "chapters" / "00-preface" / "index.md"
CODE = re.compile(r"`{3,}.*?`{3,}|`[^`\n]+`", re.S)  # formulas stay: they use the notation
LINK = re.compile(r"\]\([^)]*\)|\{(?:cite|cite:t|cite:p|doc|ref|numref|term)\}`[^`]*`")


def pages():
    """(name, text a reader reads, prose only) for every notebook and Markdown page."""
    for path in notebook_paths():
        for cell in read_notebook(path)["cells"]:
            source = "".join(cell["source"])
            yield path, source, LINK.sub("", CODE.sub("", source)) if cell["cell_type"] == "markdown" else ""
    for path in sorted((ROOT / "chapters").rglob("*.md")):
        source = path.read_text(encoding="utf-8")
        yield path, source, "" if path == NOTATION_PAGE else LINK.sub("", CODE.sub("", source))
    for path in sorted((ROOT / "code" / "seqbook").rglob("*.py")):
        yield path, path.read_text(encoding="utf-8"), ""


PAGES = list(pages())


@pytest.mark.parametrize("pattern", RETIRED)
def test_retired_terms_are_gone(pattern):
    found = sorted({str(p.relative_to(ROOT)) for p, text, _ in PAGES if re.search(pattern, text, re.I)})
    assert not found, f"{pattern!r} 已停用，应写作 {RETIRED[pattern]}：{found}"


@pytest.mark.parametrize("pattern", RETIRED_IN_PROSE)
def test_retired_prose_terms_are_gone(pattern):
    found = sorted({f"{p.relative_to(ROOT)}: {m.group(0)}" for p, _, prose in PAGES for m in re.finditer(pattern, prose, re.I)})
    assert not found, f"正文中 {pattern!r} 已停用（{RETIRED_IN_PROSE[pattern]}）：{found}"


def test_the_preface_maps_pytorchs_notation_to_the_books():
    page = NOTATION_PAGE.read_text(encoding="utf-8")
    for symbol in ("$T$", "$B$", "$D$", "$H$", "$L$", "$N$", "H_{in}", "num_directions", "num_layers"):
        assert symbol in page, f"前言的记号表缺少 {symbol}"

"""The book's conventions, checked on the committed files (no execution)."""

import re

import pytest
from book import ROOT, notebook_paths, read_notebook, toc_entries

from tools.colab_cell import colab_cell_source

NOTEBOOKS = notebook_paths()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
MACHINE_PATH = re.compile(r"(?<![\w:/.])/(?:root|home|Users|tmp|work|usr|opt)/[\w.-]+")


def outputs_text(cell: dict) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts += output.get("text", [])
        parts += output.get("data", {}).get("text/plain", [])
        parts += output.get("traceback", [])
    return "".join(parts)


def test_toc_and_notebooks_agree():
    entries = toc_entries()
    for entry in entries:
        assert any((ROOT / f"{entry}{s}").exists() for s in (".md", ".ipynb")), f"_toc.yml 列出的 {entry} 不存在"
    listed = set(entries)
    for path in NOTEBOOKS:
        assert str(path.relative_to(ROOT).with_suffix("")) in listed, f"{path} 不在 _toc.yml 中，读者看不到它"


def test_toc_has_no_duplicates():
    entries = toc_entries()
    assert len(entries) == len(set(entries))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_metadata_and_size(path):
    notebook = read_notebook(path)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert path.stat().st_size < 2 * 1024 * 1024, f"{path.name} 超过 2 MB"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_committed_with_clean_outputs(path):
    code = [c for c in read_notebook(path)["cells"] if c["cell_type"] == "code"]
    assert any(c.get("outputs") for c in code), f"{path.name} 提交时没有输出：请执行后再提交"
    for cell in code:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"{path.name} 含有错误输出：{output.get('ename')}"
            if output.get("name") == "stderr":
                assert "Warning" not in "".join(output["text"]), f"{path.name} 的输出含有警告"
        text = outputs_text(cell)
        assert not ("Glyph" in text and "missing" in text), f"{path.name} 有缺字形警告：中文字体没有设置"
        found = MACHINE_PATH.search(text)
        assert not found, f"{path.name} 的输出含本机路径：{found and found[0]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_markdown_has_no_control_characters(path):
    """A LaTeX command written in a non-raw Python string turns into a control character
    ("\\alpha" -> BEL + "lpha", "\\times" -> TAB + "imes") and renders as garbage."""
    for cell in read_notebook(path)["cells"]:
        source = "".join(cell["source"])
        found = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\t]", source)
        if cell["cell_type"] == "markdown" and found:
            context = source[max(0, found.start() - 20) : found.end() + 10]
            raise AssertionError(f"{path.name} 的 Markdown 含控制字符 {found[0]!r}：{context!r}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_markdown_shows_special_tokens_as_code(path):
    """A token like <unk> or <eos> written outside backticks is read as an HTML tag and vanishes
    from the page ("译成 I have a <unk>." renders as "I have a .")."""
    for cell in read_notebook(path)["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        prose = re.sub(r"```.*?```|`[^`\n]*`|\$[^$]*\$", "", "".join(cell["source"]), flags=re.S)
        found = re.search(r"<(?:pad|unk|bos|eos|sep|mask)>", prose)
        assert not found, f"{path.name} 的 Markdown 中 {found and found[0]} 不在反引号里，页面上会消失：请写成 `{found and found[0]}`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_plot_is_saved_in_the_notebook(path):
    """A cell that calls plt.show() carries an image (executed with a non-inline backend such
    as MPLBACKEND=Agg, a notebook silently loses its figures)."""
    for cell in read_notebook(path)["cells"]:
        if cell["cell_type"] == "code" and "plt.show()" in "".join(cell["source"]):
            images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
            first_line = "".join(cell["source"]).splitlines()[0]
            assert images, f"{path.name} 的绘图单元（{first_line}）没有图：请用内嵌后端重新执行"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_opens_with_colab_cell_then_seqbook(path):
    cells = read_notebook(path)["cells"]
    first, *rest = [c for c in cells if c["cell_type"] == "code"]
    assert "".join(first["source"]) == colab_cell_source(), "第一个代码单元应是 Colab 安装单元：运行 make colab-cells"
    assert "remove-cell" in first["metadata"].get("tags", [])
    assert rest and "seqbook" in "".join(rest[0]["source"]), "第二个代码单元应从 seqbook 导入"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_check_cells_are_hidden(path):
    """Cells that assert the prose's numbers are tagged remove-cell, so readers never see them."""
    for cell in read_notebook(path)["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and source.lstrip().startswith("# 检查"):
            assert "remove-cell" in cell["metadata"].get("tags", []), f"{path.name} 的检查单元没有 remove-cell 标签"


def test_runtime_table_lists_every_notebook():
    """`make bench` must be rerun when chapters change, so readers see every notebook's cost."""
    page = (ROOT / "chapters" / "appendix" / "runtimes.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        entry = str(path.relative_to(ROOT).with_suffix(""))
        if entry in toc_entries():
            assert f"`{path.relative_to(ROOT)}`" in page, f"运行时间表缺少 {path.name}：请运行 make bench"

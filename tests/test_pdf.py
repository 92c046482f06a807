"""The PDF that `make pdf` builds (_build/latex/seqbook.pdf): every part, chapter and section
title is in its text, every figure the notebooks show is in it, the title page carries the
licences, and XeLaTeX reported no error. `make test-pdf` builds it, then runs these tests."""

import re
import shutil
import subprocess

import pytest
from book import ROOT, notebook_paths, read_notebook, toc_entries

PDF = ROOT / "_build" / "latex" / "seqbook.pdf"
LOG = PDF.with_suffix(".log")

pytestmark = [
    pytest.mark.skipif(not PDF.exists(), reason="还没有生成 PDF：请先运行 make pdf"),
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="需要 poppler-utils（pdftotext、pdfimages）"),
]


def squeeze(text: str) -> str:
    """Without whitespace: XeLaTeX drops the spaces between Chinese characters and numbers."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def text() -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(PDF), "-"], capture_output=True, text=True, check=True)
    return squeeze(done.stdout)


def page_titles() -> list[str]:
    """The first heading of every page in the table of contents, and the part captions."""
    titles = re.findall(r"caption:\s*(.+)", (ROOT / "_toc.yml").read_text(encoding="utf-8"))
    for entry in toc_entries():
        path = ROOT / entry
        if path.with_suffix(".ipynb").exists():
            cells = read_notebook(path.with_suffix(".ipynb"))["cells"]
            source = next("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        else:
            source = path.with_suffix(".md").read_text(encoding="utf-8")
        titles.append(re.search(r"^# (.+)$", source, re.M).group(1))
    return titles


def test_every_part_chapter_and_section_title_is_in_the_pdf(text):
    titles = page_titles()
    assert len(titles) > 30
    missing = [title for title in titles if squeeze(re.sub(r"[`*]", "", title)) not in text]
    assert not missing, f"PDF 中找不到这些标题：{missing}"


def test_the_title_page_names_the_licences(text):
    assert squeeze("序列模型：从分词到注意力") in text[:200]
    assert "MIT" in text[:400] and "CCBY-SA4.0" in text[:400]


def test_every_figure_of_the_notebooks_is_in_the_pdf():
    shown = sum(
        "image/png" in output.get("data", {})
        for path in notebook_paths()
        for cell in read_notebook(path)["cells"]
        if "remove-cell" not in cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", [])
    )
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True).stdout
    images = [line.split()[2] for line in listing.splitlines()[2:]].count("image")
    assert shown > 20 and images == shown


def test_xelatex_reported_no_error_and_no_missing_reference():
    log = LOG.read_text(encoding="utf-8", errors="replace")
    assert "Output written on seqbook.pdf" in log
    assert not re.search(r"^! ", log, re.M), "XeLaTeX 报错了，见 _build/latex/seqbook.log"
    assert "There were undefined references" not in log
    pages = int(re.search(r"Output written on seqbook\.pdf \((\d+) pages", log).group(1))
    assert pages > 200


def test_the_math_is_typeset_not_left_as_source(text):
    assert "\\frac" not in text and "\\sum" not in text and "$$" not in text

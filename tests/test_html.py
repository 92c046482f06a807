"""The built HTML book (``make test`` builds it first): offline, Chinese, searchable."""

import json
import re
import shutil
import subprocess

import pytest
from book import HTML, notebook_paths, toc_entries

pytestmark = pytest.mark.skipif(not (HTML / "index.html").exists(), reason="先运行 make book 生成 _build/html")

REMOTE_TAG = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//[^\"]+\"[^>]*>")
REMOTE_CSS = re.compile(r"(?:@import\s+|url\()\s*[\"']?(?:https?:)?//")


def pages():
    return sorted(HTML.rglob("*.html"))


def test_every_toc_page_is_built():
    for entry in toc_entries():
        assert (HTML / f"{entry}.html").exists(), f"{entry}.html 没有生成"


def test_no_remote_scripts_stylesheets_or_fonts():
    for page in pages():
        for tag in REMOTE_TAG.findall(page.read_text(encoding="utf-8")):
            assert "rel=\"stylesheet\"" not in tag and "<script" not in tag and "<img" not in tag, f"{page.name} 从网络加载：{tag}"
            assert "preload" not in tag and "font" not in tag, f"{page.name} 从网络加载：{tag}"
    for sheet in HTML.rglob("*.css"):
        assert not REMOTE_CSS.search(sheet.read_text(encoding="utf-8", errors="replace")), f"{sheet} 引用了网络资源"


def test_mathjax_is_bundled_and_used():
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").exists()
    preface = (HTML / "chapters" / "00-preface" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<script[^>]+src=\"[./]*_static/mathjax/tex-chtml\.js", preface)
    assert "\\tanh" in preface  # the formula reaches the page as TeX for MathJax


def test_language_is_simplified_chinese():
    index = (HTML / "index.html").read_text(encoding="utf-8")
    page = (HTML / "chapters" / "00-preface" / "index.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in page or 'lang="zh_CN"' in page
    assert index  # the root redirects to the preface


def test_launch_and_download_buttons():
    page = (HTML / "chapters" / "00-preface" / "env-check.html").read_text(encoding="utf-8")
    assert "mybinder.org/v2/gh/" in page
    assert "colab.research.google.com/github/" in page
    assert "env-check.ipynb" in page and "download" in page.lower()


def test_notebooks_in_html_show_no_install_cell():
    for path in notebook_paths():
        html = HTML / path.relative_to(HTML.parent.parent).with_suffix(".html")
        assert "google.colab" not in html.read_text(encoding="utf-8"), f"{html.name} 显示了 Colab 安装单元"


NODE_SEARCH = r"""
const fs = require("fs");
const [html, query] = process.argv.slice(1);
var Search = { setIndex: (index) => { Search._index = index; } };
eval(fs.readFileSync(html + "/searchindex.js", "utf8"));
eval(fs.readFileSync(html + "/_static/language_data.js", "utf8") + ";globalThis.splitQuery = splitQuery;");
const index = Search._index;
const stemmer = new Stemmer();
const terms = splitQuery(query).map((t) => stemmer.stemWord(t.toLowerCase()));
const docsOf = (t) => [].concat(index.terms[t] ?? [], index.titleterms[t] ?? []);
let docs = null;
for (const t of terms) {
  const found = new Set(docsOf(t));
  docs = docs === null ? found : new Set([...docs].filter((d) => found.has(d)));
}
console.log(JSON.stringify({ terms, pages: [...(docs ?? [])].map((d) => index.docnames[d]).sort() }));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="需要 node 来运行页面的搜索脚本")
@pytest.mark.parametrize("query", ["长短期记忆", "隐藏状态", "长短期记忆网络 隐藏状态"])
def test_search_finds_unspaced_chinese(query):
    """The page's own splitQuery plus an AND over the index, as Sphinx's searchtools does."""
    done = subprocess.run(["node", "-e", NODE_SEARCH, str(HTML), query], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    assert len(result["terms"]) >= 2, f"查询没有被切分：{result}"
    assert "chapters/00-preface/index" in result["pages"], result

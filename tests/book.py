"""What the tests know about the book's files: the notebooks and the table of contents."""

import json
import re
from pathlib import Path

import pytest

from seqbook.data import locate

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"


def notebook_paths() -> list[Path]:
    return sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def toc_entries() -> list[str]:
    """Every page named in _toc.yml, without suffix, relative to the root."""
    text = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    return re.findall(r"(?:file|root):\s*([^\s#]+)", text)


def needs(name: str):
    """Skip a test when the corpus ``name`` is neither in $SEQBOOK_DATA nor in the cache
    (tests never download); with SEQBOOK_STRICT=1 the skip fails (see conftest.py)."""
    return pytest.mark.skipif(
        locate(name).where == "missing",
        reason=f"语料 {name} 不在本机：设置 SEQBOOK_DATA=<数据文件夹> 后运行这些测试",
    )

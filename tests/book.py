"""What the tests know about the book's files: the notebooks and the table of contents."""

import json
import re
from pathlib import Path

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

"""Downloads linked under the chapter list of every page: the notebooks as one zip, and the
whole book as a PDF when `make pdf` has built one (_build/latex/seqbook.pdf). The zip holds
the chapters' notebooks with the data files they read, the README and requirements.txt.

The files are written into the HTML output's ``downloads/`` folder when the build finishes;
the template ``_templates/downloads.html`` lists them with paths relative to each page.
"""

import shutil
import zipfile
from pathlib import Path

FOLDER = "downloads"
ZIP = "seqbook-notebooks.zip"
PDF = "seqbook.pdf"


def _pdf(app) -> Path:
    return Path(app.outdir).parent / "latex" / PDF


def _available(app) -> list[tuple[str, str]]:
    found = [("全书 PDF", f"{FOLDER}/{PDF}")] if _pdf(app).exists() else []
    return found + [("全部笔记本（zip）", f"{FOLDER}/{ZIP}")]


def _add_links(app, pagename, templatename, context, doctree):
    context["book_downloads"] = _available(app)


def _write_files(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / FOLDER
    target.mkdir(exist_ok=True)
    root = Path(app.srcdir)
    with zipfile.ZipFile(target / ZIP, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((root / "chapters").rglob("*")):
            if path.suffix in (".ipynb", ".json") and ".ipynb_checkpoints" not in path.parts:
                archive.write(path, Path("seqbook-notebooks") / path.relative_to(root))
        for name in ("requirements.txt", "README.md"):
            archive.write(root / name, Path("seqbook-notebooks") / name)
    if _pdf(app).exists():
        shutil.copyfile(_pdf(app), target / PDF)


def setup(app):
    app.connect("html-page-context", _add_links)
    app.connect("build-finished", _write_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Committed outputs can't go stale: each notebook carries the hashes of the seqbook files
it ran (written by `make execute`), and this test fails when one of them has changed since."""

import pytest
from book import ROOT, notebook_paths, read_notebook

from tools.execute import METADATA_KEY, stale_files

NOTEBOOKS = notebook_paths()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_outputs_were_computed_by_todays_package(path):
    notebook = read_notebook(path)
    stamp = notebook["metadata"].get(METADATA_KEY, {})
    assert stamp.get("fingerprint"), f"{path.name} 没有 seqbook 的指纹：请用 make execute NOTEBOOKS={path.relative_to(ROOT)} 执行后再提交"
    changed = stale_files(notebook)
    assert not changed, (
        f"{path.name} 的输出是用旧版的 seqbook 算出的（此后改动过：{', '.join(changed)}）；"
        f"请运行 make execute NOTEBOOKS={path.relative_to(ROOT)} 重新执行并提交"
    )


def test_stale_files_notices_a_changed_or_missing_file():
    notebook = {"metadata": {METADATA_KEY: {"fingerprint": {
        "seqbook/__init__.py": "0" * 16, "seqbook/gone.py": "0" * 16,
    }}}}
    assert stale_files(notebook) == ["seqbook/__init__.py", "seqbook/gone.py"]

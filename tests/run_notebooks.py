"""Execute notebooks with this Python's own kernel and fail on the first error (used by
tests/test_install.py inside fresh environments, where only nbclient is installed).

    python tests/run_notebooks.py PRELUDE NOTEBOOK ...

PRELUDE, when not empty, is run in place of the first notebook's first cell (the Colab
install cell), e.g. that cell with a local wheel instead of GitHub.
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main(prelude: str, paths: list[str]) -> None:
    for number, name in enumerate(paths):
        path = Path(name)
        notebook = nbformat.read(path, as_version=4)
        if prelude and number == 0:
            notebook.cells[0].source = prelude
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        print(f"✓ {name}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])

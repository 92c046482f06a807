"""Execute notebooks in place for committing, and stamp each with a fingerprint of the
seqbook code it ran, so that a test can tell when committed outputs have gone stale.

    python tools/execute.py PATH ...     # execute these notebooks, two at a time
    python tools/execute.py --all        # every notebook of the book

The fingerprint is stored in the notebook's metadata under "seqbook": the SHA-256 of each
seqbook source file the kernel had imported when the notebook finished, plus the machine it
ran on. ``tests/test_fingerprint.py`` recomputes the hashes and fails when a file changed.

Notebooks run with SEQBOOK_SAVE_OUTPUTS=1, so that the translation notebook saves its test
outputs for no-attention, which therefore runs after it.
"""

import hashlib
import json
import os
import platform
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "code"
METADATA_KEY = "seqbook"

# A notebook that reads what another one saves runs after it.
RUNS_AFTER = {"no-attention.ipynb": "translation.ipynb"}

# Run in the kernel after the last cell: which seqbook modules did the notebook import?
_LOADED_MODULES = (
    "import json as _json, sys as _sys\n"
    "print(_json.dumps(sorted({_m.__file__ for _n, _m in list(_sys.modules.items())\n"
    "    if (_n == 'seqbook' or _n.startswith('seqbook.')) and getattr(_m, '__file__', None)})))"
)


def file_hashes(files) -> dict[str, str]:
    """``{path relative to code/: SHA-256 prefix}`` for each seqbook source file."""
    hashes = {}
    for file in files:
        path = Path(file).resolve()
        hashes[path.relative_to(PACKAGE).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return dict(sorted(hashes.items()))


def stale_files(notebook: dict) -> list[str]:
    """The seqbook files whose content differs from when ``notebook`` was executed
    (a file that no longer exists counts as changed)."""
    recorded = notebook.get("metadata", {}).get(METADATA_KEY, {}).get("fingerprint", {})
    changed = []
    for name, digest in recorded.items():
        path = PACKAGE / name
        if not path.exists() or file_hashes([path])[name] != digest:
            changed.append(name)
    return changed


def machine() -> dict:
    """Where a notebook was executed: what makes its trained numbers differ from others'."""
    import torch

    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "seed_offset": os.environ.get("SEQBOOK_SEED_OFFSET", "0") or "0",
    }


def execute(path: Path) -> None:
    """Execute ``path`` in place and store its fingerprint (called in a child process)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(_LOADED_MODULES))
    NotebookClient(notebook, timeout=900, resources={"metadata": {"path": str(path.parent)}}).execute()
    probe = notebook.cells.pop()
    files = json.loads("".join(out.get("text", "") for out in probe.outputs if out.get("name") == "stdout"))
    notebook.metadata[METADATA_KEY] = {"fingerprint": file_hashes(files), "executed_on": machine()}
    nbformat.write(notebook, path)


def run_child(path: Path) -> tuple[Path, int, str]:
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}  # Agg would hide the plots
    env["SEQBOOK_SAVE_OUTPUTS"] = "1"
    done = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True,
                          check=False, env=env)
    return path, done.returncode, done.stderr


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        execute(Path(argv[1]))
        return
    if argv[:1] == ["--all"]:
        from tools.bench import toc_notebooks

        paths = toc_notebooks()
    else:
        paths = [Path(a).resolve() for a in argv]
    if not paths:
        sys.exit(__doc__)
    names = {path.name for path in paths}
    later = [path for path in paths if RUNS_AFTER.get(path.name) in names]
    failed = []
    jobs = int(os.environ.get("JOBS", "2"))
    for wave in ([path for path in paths if path not in later], later):
        with ThreadPoolExecutor(jobs) as pool:
            for path, code, stderr in pool.map(run_child, wave):
                name = path.relative_to(ROOT)
                print(f"{'✓' if code == 0 else '✗'} {name}", flush=True)
                if code:
                    failed.append(name)
                    print(stderr[-3000:], file=sys.stderr)
    if failed:
        sys.exit(f"{len(failed)} 个笔记本执行失败：" + "，".join(map(str, failed)))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])

"""Execute the book's notebooks one by one and record wall time and peak memory.

    python tools/bench.py              # every notebook in _toc.yml; updates the appendix
    python tools/bench.py PATH ...     # only these notebooks; prints, updates nothing

Each notebook runs in a fresh child process whose kernel is its own child, so the peak
resident memory of the kernel is read with getrusage(RUSAGE_CHILDREN) in that process.
"""

import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "chapters" / "appendix" / "runtimes.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def toc_notebooks() -> list[Path]:
    """Notebooks in the order of the table of contents."""
    text = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    names = re.findall(r"(?:file|root):\s*(\S+)", text)
    return [ROOT / f"{n}.ipynb" for n in names if (ROOT / f"{n}.ipynb").exists()]


def execute(path: Path) -> dict:
    """Run one notebook here (called in the child process) and report time and memory."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=900, resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return {"seconds": seconds, "peak_mib": peak_kib / 1024}


def measure(path: Path) -> dict:
    """Execute ``path`` in a fresh Python process and return its measurements."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        sys.exit(f"执行 {path.relative_to(ROOT)} 失败：\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[tuple[str, dict]]) -> str:
    import torch

    total = sum(m["seconds"] for _, m in rows)
    lines = [
        f"测量环境：{os.cpu_count()} 个 CPU 核，Python {platform.python_version()}，"
        f"PyTorch {torch.__version__}，{time.strftime('%Y-%m-%d')}。",
        "",
        "| 笔记本 | 时间（秒） | 峰值内存（MiB） |",
        "|---|---:|---:|",
    ]
    lines += [f"| `{name}` | {m['seconds']:.1f} | {m['peak_mib']:.0f} |" for name, m in rows]
    lines.append(f"| **合计** | **{total:.1f}** | |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(json.dumps(execute(Path(argv[1]))))
        return
    paths = [Path(a).resolve() for a in argv] or toc_notebooks()
    rows = []
    for path in paths:
        name = str(path.relative_to(ROOT))
        print(f"正在执行 {name} ...", flush=True)
        rows.append((name, measure(path)))
    result = table(rows)
    print(result)
    if not argv:
        page = PAGE.read_text(encoding="utf-8")
        before, rest = page.split(START)
        after = rest.split(END)[1]
        PAGE.write_text(f"{before}{START}\n{result}\n{END}{after}", encoding="utf-8")
        print(f"已写入 {PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])

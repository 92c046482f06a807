"""Execute the book's notebooks one by one and record wall time and peak memory.

    python tools/bench.py              # every notebook in _toc.yml; updates the appendix
    python tools/bench.py PATH ...     # only these notebooks; prints, updates nothing
    python tools/bench.py --update PATH ...  # these notebooks; replaces their rows in the appendix
    python tools/bench.py --layers     # only the layer timings; updates their part of the appendix

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
LAYERS_START, LAYERS_END = "<!-- layers:start -->", "<!-- layers:end -->"


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
    kernel = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel, once it has exited
    return {
        "seconds": seconds,
        "cpu_seconds": kernel.ru_utime + kernel.ru_stime,
        "peak_mib": kernel.ru_maxrss / 1024,  # ru_maxrss is in KiB on Linux
    }


def measure(path: Path) -> dict:
    """Execute ``path`` in a fresh Python process and return its measurements."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        sys.exit(f"执行 {path.relative_to(ROOT)} 失败：\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


ROW = re.compile(r"^\| `(?P<name>[^`]+)` \| (?P<seconds>[\d.]+) \| (?P<cpu_seconds>[\d.]+) \| (?P<peak_mib>\d+) \|$")


def recorded_rows() -> dict[str, dict]:
    """The measurements in the appendix's table now, by notebook."""
    section = PAGE.read_text(encoding="utf-8").split(START)[1].split(END)[0]
    return {
        match["name"]: {key: float(match[key]) for key in ("seconds", "cpu_seconds", "peak_mib")}
        for match in map(ROW.match, section.splitlines())
        if match
    }


def slowest_first(paths: list[str]) -> list[str]:
    """``paths`` (relative to the repository) sorted by their recorded wall time, slowest first;
    a notebook without a row keeps its place after them. ``pytest -n 2 --dist loadfile`` hands
    out files in this order, so the long notebooks run side by side early, not one alone at the end."""
    seconds = {name: row["seconds"] for name, row in recorded_rows().items()}
    return sorted(paths, key=lambda path: seconds.get(path, 0.0), reverse=True)


def table(rows: list[tuple[str, dict]]) -> str:
    import torch

    total = sum(m["seconds"] for _, m in rows)
    lines = [
        f"测量环境：{os.cpu_count()} 个 CPU 核，Python {platform.python_version()}，"
        f"PyTorch {torch.__version__}，{time.strftime('%Y-%m-%d')}。",
        "",
        "| 笔记本 | 墙钟时间（秒） | CPU 时间（秒） | 峰值内存（MiB） |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| `{name}` | {m['seconds']:.1f} | {m['cpu_seconds']:.1f} | {m['peak_mib']:.0f} |"
        for name, m in rows
    ]
    lines.append(f"| **合计** | **{total:.1f}** | **{sum(m['cpu_seconds'] for _, m in rows):.1f}** | |")
    return "\n".join(lines)


def time_layers(sizes=((64, 50, 256), (8, 50, 64)), repeats: int = 5) -> str:
    """Forward + backward time per batch of seqbook.nn.LSTM and torch.nn.LSTM on the CPU,
    for each (batch, length, size) in ``sizes``; a Markdown table."""
    import torch

    import seqbook.nn

    def seconds(layer_cls, batch: int, length: int, size: int) -> float:
        torch.manual_seed(0)
        layer = layer_cls(size, size)
        x = torch.randn(length, batch, size, requires_grad=True)
        times = []
        for _ in range(repeats + 1):  # the first run warms up and is not counted
            start = time.perf_counter()
            layer(x)[0].sum().backward()
            times.append(time.perf_counter() - start)
        return sorted(times[1:])[repeats // 2]  # the median

    lines = [
        f"CPU（{os.cpu_count()} 个核，PyTorch 用 {torch.get_num_threads()} 个线程），PyTorch {torch.__version__}，"
        "单层 LSTM，输入和隐藏状态同维；"
        f"每种配置测 {repeats} 次取中位数。",
        "",
        "| 批量 × 长度 × 维度 | `torch.nn.LSTM`（毫秒/批） | `seqbook.nn.LSTM`（毫秒/批） | 慢多少倍 |",
        "|---|---:|---:|---:|",
    ]
    for batch, length, size in sizes:
        theirs = seconds(torch.nn.LSTM, batch, length, size)
        ours = seconds(seqbook.nn.LSTM, batch, length, size)
        lines.append(
            f"| {batch} × {length} × {size} | {theirs * 1000:.1f} | {ours * 1000:.1f} | {ours / theirs:.1f} |"
        )
    return "\n".join(lines)


def write_section(start: str, end: str, text: str) -> None:
    """Replace what lies between the markers ``start`` and ``end`` in the appendix page."""
    page = PAGE.read_text(encoding="utf-8")
    before, rest = page.split(start)
    after = rest.split(end)[1]
    PAGE.write_text(f"{before}{start}\n{text}\n{end}{after}", encoding="utf-8")
    print(f"已写入 {PAGE.relative_to(ROOT)}")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(json.dumps(execute(Path(argv[1]))))
        return
    if argv[:1] == ["--layers"] or not argv:
        layers = time_layers()
        print(layers)
        write_section(LAYERS_START, LAYERS_END, layers)
        if argv:
            return
    update = argv[:1] == ["--update"]
    paths = [Path(a).resolve() for a in argv[update:]] or toc_notebooks()
    rows = []
    for path in paths:
        name = str(path.relative_to(ROOT))
        print(f"正在执行 {name} ...", flush=True)
        rows.append((name, measure(path)))
    if update:  # keep the other notebooks' rows, in the order of the table of contents
        measured = recorded_rows() | dict(rows)
        names = [str(path.relative_to(ROOT)) for path in toc_notebooks()]
        rows = [(name, measured[name]) for name in names if name in measured]
    result = table(rows)
    print(result)
    if update or not argv:
        write_section(START, END, result)


if __name__ == "__main__":
    main(sys.argv[1:])

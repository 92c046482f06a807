"""Measure how much the book's trained numbers move between machines and seeds.

    python tools/variability.py              # every notebook of the book
    python tools/variability.py PATH ...     # only these notebooks
    python tools/variability.py --list       # the notebooks with hidden `expect` checks
    python tools/variability.py --render     # rewrite the appendix from the tables only
    python tools/variability.py --other-kernels  # the CPU kernels `make test-robust` uses

Each notebook is executed once per perturbation in ``runs()``: another seed offset
(``SEQBOOK_SEED_OFFSET``), other CPU kernels (``ATEN_CPU_CAPABILITY``) and another number of
threads. Every ``seqbook.check.expect`` call appends its value to a record file, and the
results go to ``chapters/<chapter>/variability.json`` (runs, and per quantity the stated
range with min, median and max of the measured values) and into the run-time appendix.
The command fails when a value left its stated range or a cell raised.
"""

import ast
import configparser
import functools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "chapters" / "appendix" / "runtimes.md"
START, END = "<!-- variability:start -->", "<!-- variability:end -->"
TABLE = "variability.json"


def runs() -> list[dict]:
    """The perturbations: (seed offset, CPU kernels, threads). ``native`` is what PyTorch
    picks for this CPU; ``default`` kernels exist on every CPU, ``avx2`` on most x86-64 ones.
    On an AVX512 CPU the runs cover all three kernel sets (AVX512, AVX2, default). The
    tables name the kernels this CPU picked, so that runs on different machines can be told apart."""
    native, other = native_kernels(), other_kernels()
    return [
        {"seed_offset": 0, "kernels": native, "threads": 1},
        {"seed_offset": 0, "kernels": native, "threads": 2},
        {"seed_offset": 1, "kernels": other, "threads": 1},
        {"seed_offset": 2, "kernels": native, "threads": 1},
        {"seed_offset": 3, "kernels": "default", "threads": 2},
    ]


def native_kernels() -> str:
    """The CPU kernels PyTorch picks on this CPU, as ATEN_CPU_CAPABILITY names them."""
    import torch

    return torch.backends.cpu.get_cpu_capability().lower()


def other_kernels() -> str:
    """CPU kernels other than this CPU's own: AVX2 on an AVX512 CPU, else the plain ones."""
    import torch

    return "avx2" if torch.backends.cpu.get_cpu_capability() == "AVX512" else "default"


def training_notebooks() -> list[Path]:
    """Notebooks, in the order of the table of contents, whose hidden checks call ``expect``."""
    from tools.bench import toc_notebooks

    return [path for path in toc_notebooks() if "expect(" in _code(path)]


def _code(path: Path) -> str:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")


def environment(run: dict, record: Path) -> dict:
    env = dict(os.environ, SEQBOOK_SEED_OFFSET=str(run["seed_offset"]), SEQBOOK_RECORD=str(record),
               OMP_NUM_THREADS=str(run["threads"]), OMP_WAIT_POLICY="PASSIVE", MPLBACKEND="Agg")
    env.pop("ATEN_CPU_CAPABILITY", None)
    if run["kernels"] not in ("native", native_kernels()):
        env["ATEN_CPU_CAPABILITY"] = run["kernels"]
    return env


@functools.cache
def _sanitizers() -> list[tuple[re.Pattern, str]]:
    """The (pattern, replacement) pairs of tests/sanitize.cfg, which nbval applies too."""
    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "sanitize.cfg", encoding="utf-8")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def _sanitized_text(cell) -> str:
    """The text outputs of a cell as nbval compares them (tests/sanitize.cfg applied)."""
    text = "".join(
        out.get("text", "") + out.get("data", {}).get("text/plain", "")
        for out in cell.get("outputs", [])
        if out.get("output_type") in ("stream", "execute_result")
    )
    for pattern, replacement in _sanitizers():
        text = pattern.sub(replacement, text)
    return text


def execute(path: Path) -> list[str]:
    """Run one notebook to the end (called in the child process): the errors of its cells,
    and every ``# NBVAL_CHECK_OUTPUT`` cell whose output differs from the committed one."""
    import copy

    import nbformat
    from nbclient import NotebookClient

    committed = nbformat.read(path, as_version=4)
    notebook = copy.deepcopy(committed)
    client = NotebookClient(notebook, timeout=900, allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [
        f"第 {index} 个单元：{out['ename']}: {out['evalue']}"
        for index, cell in enumerate(notebook.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    errors += [
        f"第 {index} 个单元（NBVAL_CHECK_OUTPUT）的输出与提交的不同"
        for index, (old, new) in enumerate(zip(committed.cells, notebook.cells, strict=True))
        if new.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in new.source
        and _sanitized_text(old) != _sanitized_text(new)
    ]
    return errors


def measure(path: Path, run: dict) -> dict:
    """Execute ``path`` under ``run`` in a fresh process; its records, errors and time."""
    with tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "record.jsonl"
        record.touch()
        start = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--child", str(path)], env=environment(run, record),
                              capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        entries = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    errors = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else [done.stderr[-2000:]]
    return {**run, "seconds": round(seconds, 1), "errors": errors, "records": entries}


def summarise(measured: list[dict]) -> dict:
    """The committed table of one notebook: its runs and the spread of each quantity."""
    quantities: dict[str, dict] = {}
    for number, run in enumerate(measured):
        for entry in run["records"]:
            q = quantities.setdefault(entry["name"], {"low": entry["low"], "high": entry["high"], "values": {}})
            q["low"], q["high"] = entry["low"], entry["high"]
            q["values"][number] = entry["value"]
    for q in quantities.values():
        values = [q["values"].get(i) for i in range(len(measured))]
        present = [v for v in values if v is not None]
        q["values"] = values
        q |= {"runs": len(present), "min": min(present), "median": statistics.median(present), "max": max(present)}
    keep = ("seed_offset", "kernels", "threads", "seconds", "errors")
    return {"runs": [{key: run[key] for key in keep} for run in measured], "quantities": quantities}


def problems(name: str, table: dict) -> list[str]:
    """What is wrong with one notebook's table: errors, values out of range, too few runs."""
    found = [f"{name}（第 {i + 1} 次）{error}" for i, run in enumerate(table["runs"]) for error in run["errors"]]
    for quantity, q in table["quantities"].items():
        if q["runs"] < len(table["runs"]):
            found.append(f"{name}：{quantity} 只在 {q['runs']}/{len(table['runs'])} 次运行中测到")
        if (q["low"] is not None and q["min"] < q["low"]) or (q["high"] is not None and q["max"] > q["high"]):
            found.append(f"{name}：{quantity} 测得 [{q['min']:.4g}, {q['max']:.4g}]，超出书中范围 "
                         f"[{q['low']}, {q['high']}]")
    return found


def _expect_calls(path: Path) -> list[ast.Call]:
    """Every ``expect(...)`` call in the code cells of ``path``."""
    calls = []
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()  # IPython's % and ! lines become `pass`
        source = "\n".join(
            line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
            for line in lines
        )
        calls += [node for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "expect"]
    return calls


def _stated_range(call: ast.Call) -> tuple[str, tuple] | None:
    """``(name, (low, high))`` of one call, or None when its name or a bound is computed at run time."""
    if not (call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
        return None
    bounds = dict(zip(("low", "high"), call.args[2:4], strict=False))
    bounds |= {keyword.arg: keyword.value for keyword in call.keywords}
    try:
        return call.args[0].value, tuple(
            None if bounds.get(key) is None else _number_literal(bounds[key]) for key in ("low", "high")
        )
    except (ValueError, NameError, TypeError):
        return None


def stated_ranges(path: Path) -> dict[str, tuple]:
    """``{name: (low, high)}`` of every ``expect`` call in ``path`` whose name is a string
    literal and whose bounds are numbers."""
    return dict(found for call in _expect_calls(path) if (found := _stated_range(call)))


def unreadable_expects(path: Path) -> list[str]:
    """The ``expect`` calls of ``path`` whose name or bounds this tool cannot read from the
    source (an f-string name, a bound from a variable): their ranges could not be checked."""
    return [ast.unparse(call) for call in _expect_calls(path) if _stated_range(call) is None]


def _number_literal(node):
    """The value of a constant expression such as ``0.81 - 0.04`` or ``2 / 3``."""
    value = eval(compile(ast.Expression(node), "<expect>", "eval"), {"__builtins__": {}})  # numbers only
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(node)
    return value


def with_stated_ranges(tables: dict[str, dict]) -> dict[str, dict]:
    """The tables with each quantity's range read from its notebook as it is now, so that a
    range widened after measuring is checked and shown as the notebook states it; quantities
    the notebook no longer checks are left out."""
    for name, table in tables.items():
        try:
            stated = stated_ranges(ROOT / name)
        except (FileNotFoundError, SyntaxError):
            continue
        table["quantities"] = {quantity: q for quantity, q in table["quantities"].items() if quantity in stated}
        for quantity, q in table["quantities"].items():
            q["low"], q["high"] = stated[quantity]
    return tables


def table_path(path: Path) -> Path:
    return path.parent / TABLE


def load_tables() -> dict[str, dict]:
    """Every notebook's table, keyed by its path relative to the root, in the book's order."""
    tables = {}
    for file in sorted((ROOT / "chapters").glob(f"*/{TABLE}")):
        for name, table in json.loads(file.read_text(encoding="utf-8")).items():
            tables[str((file.parent / name).relative_to(ROOT))] = table
    return tables


def save(path: Path, table: dict) -> None:
    file = table_path(path)
    tables = json.loads(file.read_text(encoding="utf-8")) if file.exists() else {}
    tables[path.name] = table
    file.write_text(json.dumps(dict(sorted(tables.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _number(value) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() and abs(value) >= 10 else f"{value:.4g}"


def _describe(run: dict) -> str:
    kernels = "本机默认的 CPU 内核" if run["kernels"] == "native" else f"`ATEN_CPU_CAPABILITY={run['kernels']}`"
    return f"种子偏移 {run['seed_offset']}、{kernels}、{run['threads']} 个线程"


def render(tables: dict[str, dict]) -> str:
    """The appendix section: the runs, then one table per notebook. The column 书中 is the
    first run, the one whose outputs the book shows."""
    settings = [[_describe(run) for run in table["runs"]] for table in tables.values()]
    common = settings[0] if settings and all(s == settings[0] for s in settings) else None
    lines = []
    if common:
        lines += ["每个笔记本都执行了 " + str(len(common)) + " 次：" + "；".join(
            f"第 {i} 次，{text}" for i, text in enumerate(common, start=1)) + "。第 1 次就是书中显示的那次。", ""]
    for (name, table), described in zip(tables.items(), settings, strict=True):
        lines += [f"### `{name}`", ""]
        if not common:
            lines += ["；".join(described) + "。", ""]
        lines += ["| 量 | 书中断言的范围 | 书中 | 最小 | 中位数 | 最大 |", "|---|---|---:|---:|---:|---:|"]
        for quantity, q in table["quantities"].items():
            stated = f"[{_number(q['low'])}, {_number(q['high'])}]"
            lines.append(f"| {quantity} | {stated} | {_number(q['values'][0])} | {_number(q['min'])} | "
                         f"{_number(q['median'])} | {_number(q['max'])} |")
        lines.append("")
    return "\n".join(lines).rstrip()


def write_page(text: str) -> None:
    page = PAGE.read_text(encoding="utf-8")
    before, rest = page.split(START)
    after = rest.split(END)[1]
    PAGE.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")


def measure_all(paths: list[Path]) -> list[str]:
    """Execute ``paths`` (default: the whole book) under every run, two at a time; save the
    tables of the notebooks that record quantities; return the errors of their cells."""
    from tools.bench import toc_notebooks

    paths = paths or toc_notebooks()
    jobs = [(path, run) for path in paths for run in runs()]
    results: dict[Path, list] = {path: [] for path in paths}
    with ThreadPoolExecutor(int(os.environ.get("JOBS", "2"))) as pool:
        for (path, run), result in zip(jobs, pool.map(lambda job: measure(*job), jobs), strict=True):
            print(f"{path.relative_to(ROOT)} {run}: {result['seconds']} 秒，{len(result['errors'])} 个错误", flush=True)
            results[path].append(result)
    found = []
    for path, measured in results.items():
        if any(run["records"] for run in measured):
            save(path, summarise(measured))
        found += [f"{path.relative_to(ROOT)}（第 {number} 次）{error.splitlines()[0]}"
                  for number, run in enumerate(measured, start=1) for error in run["errors"]]
    return found


USAGE = """用法：python tools/variability.py [笔记本 ...]   测量这些笔记本（默认全书）并更新表格
       python tools/variability.py --render         只按现有表格重画附录、列出问题
       python tools/variability.py --list           列出调用了 expect 的笔记本
       python tools/variability.py --other-kernels  本机用作对照的 ATEN_CPU_CAPABILITY"""


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(json.dumps(execute(Path(argv[1])), ensure_ascii=False))
        return
    if argv[:1] == ["--other-kernels"]:
        print(other_kernels())
        return
    if argv[:1] == ["--list"]:
        from tools.bench import slowest_first

        print("\n".join(slowest_first([str(p.relative_to(ROOT)) for p in training_notebooks()])))
        return
    render_only = argv == ["--render"]
    if not render_only and any(a.startswith("-") for a in argv):
        sys.exit(USAGE)
    missing = [a for a in argv if not render_only and not Path(a).is_file()]
    if missing:
        sys.exit(f"找不到笔记本 {', '.join(missing)}：请给出相对于仓库根目录的 .ipynb 路径。\n{USAGE}")
    found = [] if render_only else measure_all([Path(a).resolve() for a in argv])
    tables = with_stated_ranges(load_tables())
    write_page(render(tables))
    found += [p for name, table in tables.items() for p in problems(name, table)]
    print("\n".join(found) or "所有量都在书中断言的范围之内。")
    if found:
        sys.exit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])

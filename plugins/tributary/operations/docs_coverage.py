"""What the dbt docs site leaves undescribed: read dbt's `manifest.json` (what the YAML
documents) and `catalog.json` (the columns the warehouse actually has) and list the gaps.

    python -m tributary.operations.docs_coverage dbt/target     # after `make docs`
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "tributary"


@dataclass(frozen=True, order=True)
class Gap:
    node: str        # dbt unique_id, e.g. model.tributary.load_history
    column: str      # "" for the node itself
    problem: str

    def __str__(self) -> str:
        where = f"{self.node}.{self.column}" if self.column else self.node
        return f"{where}: {self.problem}"


def _described(entry: dict) -> bool:
    return bool((entry.get("description") or "").strip())


def model_gaps(manifest: dict, catalog: dict | None, package: str = PACKAGE) -> list[Gap]:
    """Models without a description, documented columns without one, and (with a catalog)
    columns the warehouse has but the YAML does not document, or documents but do not exist."""
    gaps: list[Gap] = []
    built = (catalog or {}).get("nodes", {})
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "model" or node["package_name"] != package:
            continue
        if not _described(node):
            gaps.append(Gap(uid, "", "model has no description"))
        declared = {name.lower(): col for name, col in node.get("columns", {}).items()}
        gaps += [Gap(uid, name, "column has no description")
                 for name, col in declared.items() if not _described(col)]
        # Ephemeral models are inlined into their consumers: the warehouse never has them.
        if catalog is None or node.get("config", {}).get("materialized") == "ephemeral":
            continue
        if uid not in built:
            gaps.append(Gap(uid, "", "not built in the warehouse (catalog has no columns for it)"))
            continue
        actual = {name.lower() for name in built[uid]["columns"]}
        gaps += [Gap(uid, name, "column not documented in YAML") for name in actual - declared.keys()]
        gaps += [Gap(uid, name, "documented column does not exist") for name in declared.keys() - actual]
    return sorted(gaps)


def source_gaps(manifest: dict, package: str = PACKAGE) -> list[Gap]:
    """Source tables (and their documented columns) without a description."""
    gaps: list[Gap] = []
    for uid, source in manifest.get("sources", {}).items():
        if source["package_name"] != package:
            continue
        if not _described(source):
            gaps.append(Gap(uid, "", "source table has no description"))
        gaps += [Gap(uid, name, "column has no description")
                 for name, col in source.get("columns", {}).items() if not _described(col)]
    return sorted(gaps)


def sources_without_freshness(manifest: dict, package: str = PACKAGE) -> list[str]:
    """Source tables with no freshness rule (informational: not every source is time-based)."""
    out = []
    for uid, source in manifest.get("sources", {}).items():
        freshness = source.get("freshness") or {}
        if source["package_name"] == package and not (freshness.get("warn_after", {}).get("count")
                                                       or freshness.get("error_after", {}).get("count")):
            out.append(uid)
    return sorted(out)


def exposures(manifest: dict, package: str = PACKAGE) -> dict[str, dict]:
    return {uid: e for uid, e in manifest.get("exposures", {}).items() if e["package_name"] == package}


def load(target: Path) -> tuple[dict, dict | None]:
    manifest = json.loads((target / "manifest.json").read_text())
    catalog_path = target / "catalog.json"
    catalog = json.loads(catalog_path.read_text()) if catalog_path.exists() else None
    return manifest, catalog


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("dbt/target")
    manifest, catalog = load(target)
    gaps = model_gaps(manifest, catalog) + source_gaps(manifest)
    for gap in gaps:
        print(gap)
    print(f"{len(gaps)} documentation gaps" + ("" if catalog else " (no catalog.json: run `make docs`)"))
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

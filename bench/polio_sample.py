"""Synthetic polio data of any size (benchmarks): master data, mappings and long documents.

Regions form a three-level tree (country > province > district); facts are district values of
int indicators, so every level aggregates. Deterministic for a given seed.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Shape:
    districts: int = 2_000
    indicators: int = 20
    provinces: int = 40

    def campaigns_for(self, facts: int) -> int:
        return max(1, -(-facts // (self.districts * self.indicators)))


def district(n: int) -> str:
    return f"District {n:05d}"


def write_master(folder: Path, shape: Shape, campaigns: int) -> Path:
    """regions/campaigns/indicators/calculated_indicators CSVs plus mappings.csv in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "regions.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "parent", "region_type"])
        w.writerow(["Synthland", "", "country"])
        for p in range(shape.provinces):
            w.writerow([f"Province {p:03d}", "Synthland", "province"])
        for d in range(shape.districts):
            w.writerow([district(d), f"Province {d % shape.provinces:03d}", "district"])
    with open(folder / "campaigns.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "start_date", "end_date"])
        for c in range(campaigns):
            month = f"{2000 + c // 12:04d}-{c % 12 + 1:02d}"
            w.writerow([f"Campaign {c:04d}", f"{month}-01", f"{month}-05"])
    with open(folder / "indicators.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "data_format"])
        for i in range(shape.indicators):
            w.writerow([f"Indicator {i:03d}", "int"])
        w.writerow(["Total", "int"])
        w.writerow(["Share of indicator 000", "pct"])
    with open(folder / "calculated_indicators.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["indicator", "component", "calculation"])
        for i in range(shape.indicators):
            w.writerow(["Total", f"Indicator {i:03d}", "PART_TO_BE_SUMMED"])
        w.writerow(["Share of indicator 000", "Indicator 000", "NUMERATOR"])
        w.writerow(["Share of indicator 000", "Total", "DENOMINATOR"])
    with open(folder / "mappings.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "source_string", "master"])
        for c in range(campaigns):
            w.writerow(["campaign", f"camp-{c}", f"Campaign {c:04d}"])
        for d in range(shape.districts):
            w.writerow(["region", f"D{d:05d}", district(d)])
        for i in range(shape.indicators):
            w.writerow(["indicator", f"ind_{i}", f"Indicator {i:03d}"])
    return folder


def write_long_document(path: Path, shape: Shape, campaigns: range, *, facts: int | None = None,
                        seed: int = 0) -> int:
    """A long CSV (campaign, region, indicator, value) with one fact per district, indicator and
    campaign in ``campaigns`` (at most ``facts``). Returns the number of facts written."""
    rng = random.Random(seed)
    written = 0
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["campaign", "region", "indicator", "value"])
        for c in campaigns:
            for d in range(shape.districts):
                for i in range(shape.indicators):
                    if facts is not None and written >= facts:
                        return written
                    w.writerow([f"camp-{c}", f"D{d:05d}", f"ind_{i}", rng.randint(0, 5000)])
                    written += 1
    return written

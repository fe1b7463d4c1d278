"""Suggested masters for unmapped source strings: up to three per string, each with a score
(0–1) and the reason.

Reasons, strongest first:
- ``geocode``: the string is the code of a master region (``regions.csv`` column ``code``);
- ``mapped``: a string that reads the same (case, accents, punctuation) is already mapped;
- ``name``: the string is the master's name but for case, accents and punctuation, or but for a
  suffix such as "LGA", "District", "Province", "State";
- ``similar``: the names are alike (rapidfuzz, on the normalised names; chosen by measurement,
  see bench/bench_mapping.py).

Candidates are masters of the string's kind and, for a region, under the country (or countries)
of the documents that use it, when their other region strings are mapped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy
from rapidfuzz import fuzz, process

#: Words that say what a region is rather than which one ("Gombe State", "Dala LGA").
SUFFIX_WORDS = frozenset({"lga", "district", "dist", "province", "prov", "state", "region",
                          "county", "city", "municipality", "area", "zone"})
PER_STRING = 3
#: Scores per reason: fixed for the exact ones; similarity is scaled to stay below them.
SCORE_GEOCODE = 1.0
SCORE_MAPPED = 0.98
SCORE_SAME_NAME = 0.97
SCORE_NAME_BUT_SUFFIX = 0.95
SIMILAR_CAP = 0.9
#: A similarity below this is no suggestion at all.
SIMILAR_FLOOR = 0.5


@lru_cache(maxsize=65_536)
def normalise(text: str) -> str:
    """Lower case, accents removed, every run of punctuation or spaces one space."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.split(r"[^a-z0-9]+", plain.lower())).strip()


@lru_cache(maxsize=65_536)
def core(text: str) -> str:
    """`normalise` without suffix words (unless the name is nothing else)."""
    words = normalise(text).split()
    kept = [w for w in words if w not in SUFFIX_WORDS]
    return " ".join(kept or words)


def rapidfuzz_similarity(query: str, choices: Sequence[str]) -> list[float]:
    """Similarity 0–1 of ``query`` to each choice (both `core` names): the better of the token-sorted
    ratio and the ratio with spaces removed ("Momand Dara" is "Momandara")."""
    if not choices:
        return []
    sorted_scores = process.cdist([query], choices, scorer=fuzz.token_sort_ratio)[0]
    glued_scores = process.cdist([query.replace(" ", "")], choices, scorer=fuzz.ratio,
                                 processor=_glued)[0]
    return (numpy.maximum(sorted_scores, glued_scores) / 100).tolist()


def _glued(text: str) -> str:
    return text.replace(" ", "")


#: (core query, core choices) → similarities 0–1; the benchmark swaps in other matchers.
Similarity = Callable[[str, Sequence[str]], list[float]]


@dataclass(frozen=True)
class Master:
    kind: str
    name: str
    code: str | None = None
    #: For a region: the countries above it (its root), to restrict candidates.
    country: str | None = None


@dataclass(frozen=True)
class Unmapped:
    kind: str
    source_string: str
    facts: int = 0
    documents: tuple[int, ...] = ()
    #: Countries of the documents using it (from their mapped region strings); empty: unknown.
    countries: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Suggestion:
    kind: str
    source_string: str
    rank: int
    master: str
    score: float
    reason: str

    def label(self) -> str:
        return f"{self.master} ({self.score:.2f}, {self.reason})"


@dataclass(frozen=True)
class _Pool:
    names: list[str]
    normal: list[str]
    cores: list[str]


class Suggester:
    """Suggestions against one snapshot of master data and mappings."""

    def __init__(self, masters: Iterable[Master], mapped: Mapping[tuple[str, str], str], *,
                 similarity: Similarity = rapidfuzz_similarity, per_string: int = PER_STRING):
        self.similarity = similarity
        self.per_string = per_string
        self.masters: dict[str, list[Master]] = {}
        for m in masters:
            self.masters.setdefault(m.kind, []).append(m)
        self.names = {kind: {m.name for m in ms} for kind, ms in self.masters.items()}
        self._pools: dict[tuple[str, frozenset[str]], _Pool] = {}
        self.by_code = {m.code.strip().upper(): m for m in self.masters.get("region", []) if m.code}
        # normalised source string → masters it is mapped to (any kind: checked per kind later)
        self.mapped: dict[str, list[tuple[str, str]]] = {}
        for (kind, source), target in mapped.items():
            self.mapped.setdefault(normalise(source), []).append((kind, target))

    def _pool(self, item: Unmapped) -> _Pool:
        """The candidates of a string's kind (and countries), with their names prepared once."""
        countries = item.countries if item.kind == "region" else frozenset()
        key = (item.kind, countries)
        if key not in self._pools:
            masters = self.masters.get(item.kind, [])
            within = [m for m in masters if m.country in countries] if countries else []
            chosen = within or masters
            self._pools[key] = _Pool([m.name for m in chosen], [normalise(m.name) for m in chosen],
                                     [core(m.name) for m in chosen])
        return self._pools[key]

    def suggest(self, item: Unmapped) -> list[Suggestion]:
        """Up to ``per_string`` suggestions for one string, best first."""
        best: dict[str, tuple[float, str]] = {}

        def offer(master: str, score: float, reason: str) -> None:
            if score > best.get(master, (-1.0, ""))[0]:
                best[master] = (score, reason)

        text = item.source_string
        if item.kind == "region" and (hit := self.by_code.get(text.strip().upper())):
            offer(hit.name, SCORE_GEOCODE, "geocode")
        for kind, target in self.mapped.get(normalise(text), []):
            if target in self.names.get(item.kind, ()):
                offer(target, SCORE_MAPPED - (0 if kind == item.kind else 0.01), "mapped")
        pool = self._pool(item)
        query, wanted = normalise(text), core(text)
        scores = self.similarity(wanted, pool.cores)
        for name, normal, short, score in zip(pool.names, pool.normal, pool.cores, scores, strict=True):
            if normal == query:
                offer(name, SCORE_SAME_NAME, "name")
            elif short == wanted:
                offer(name, SCORE_NAME_BUT_SUFFIX, "name")
            elif score >= SIMILAR_FLOOR:
                offer(name, round(score * SIMILAR_CAP, 4), "similar")
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[: self.per_string]
        return [Suggestion(item.kind, text, rank, master, score, reason)
                for rank, (master, (score, reason)) in enumerate(ranked, start=1)]

    def suggest_all(self, items: Iterable[Unmapped]) -> list[Suggestion]:
        return [s for item in items for s in self.suggest(item)]

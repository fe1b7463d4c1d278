"""The mapping workbench's warehouse side: suggestions for what `polio_refresh` left unmapped
(stored in ``raw_polio.mapping_suggestion``), the batch a review shows, auto-apply, and applying
a review's answers.

Unmapped strings are read from the polio marts (``polio.source_string``, ``polio.missing_mapping``),
so suggestions follow a refresh; strings mapped since then are left out.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import psycopg

from tributary import warehouse
from tributary.errors import BadInput
from tributary.polio.mappings import Mapping, apply_mappings
from tributary.polio.suggest import Master, Suggester, Suggestion, Unmapped

log = logging.getLogger(__name__)

#: The choice that maps nothing for a string.
SKIP = "skip"
#: The review form's buttons.
MAP = "Map the chosen masters"
SKIP_ALL = "Skip this batch"
#: Documents listed per string (the count is given in full).
DOCUMENTS_LISTED = 20

UNMAPPED_SQL = """
select s.kind, s.source_string, s.facts,
       (select array_agg(document_id order by document_id) from polio.missing_mapping mm
        where mm.kind = s.kind and mm.source_string = s.source_string) as documents
from polio.source_string s
where s.master is null
  and not exists (select 1 from raw_polio.mapping m
                  where m.kind = s.kind and m.source_string = s.source_string)
order by s.facts desc, s.kind, s.source_string
"""
# The regions each document's mapped region strings stand for (for the document's countries).
DOCUMENT_REGIONS_SQL = """
select distinct d.document_id, m.master
from polio_intermediate.int_polio__document_issue d
join raw_polio.mapping m on m.kind = 'region' and m.source_string = d.source_string
where d.issue = 'string' and d.kind = 'region' and d.document_id = any(%s)
"""


def _countries(regions: dict[str, str | None]) -> dict[str, str]:
    """Each region's root (its country), following parents."""
    root: dict[str, str] = {}
    for name in regions:
        seen, node = [], name
        while regions.get(node) and node not in seen and node not in root:
            seen.append(node)
            node = regions[node]
        top = root.get(node, node)
        for n in [*seen, node]:
            root[n] = top
    return root


def read_masters(conn: psycopg.Connection) -> list[Master]:
    regions = conn.execute("select name, parent, code from raw_polio.region").fetchall()
    country = _countries({name: parent for name, parent, _ in regions})
    masters = [Master("region", name, code, country.get(name)) for name, _, code in regions]
    masters += [Master("campaign", name) for (name,) in conn.execute("select name from raw_polio.campaign")]
    masters += [Master("indicator", name) for (name,) in conn.execute("select name from raw_polio.indicator")]
    return masters


def read_unmapped(conn: psycopg.Connection, masters: list[Master]) -> list[Unmapped]:
    """Unmapped strings as of the last refresh, most facts first, with their documents' countries."""
    try:
        rows = conn.execute(UNMAPPED_SQL).fetchall()
        documents = sorted({d for *_, docs in rows for d in docs or []})
        regions_of: dict[int, set[str]] = {}
        for document_id, region in conn.execute(DOCUMENT_REGIONS_SQL, (documents,)):
            regions_of.setdefault(document_id, set()).add(region)
    except psycopg.errors.UndefinedTable as exc:
        raise BadInput("the polio marts are not built yet: run polio_refresh first") from exc
    country = {m.name: m.country for m in masters if m.kind == "region"}
    out = []
    for kind, source_string, facts, docs in rows:
        countries = frozenset(country[r] for d in docs or [] for r in regions_of.get(d, ())
                              if country.get(r))
        out.append(Unmapped(kind, source_string, int(facts or 0), tuple(docs or ()), countries))
    return out


@dataclass(frozen=True)
class Candidate:
    """One unmapped string with its suggestions (what the API lists and a review shows)."""

    kind: str
    source_string: str
    facts: int
    documents: int
    document_ids: list[int]
    suggestions: list[dict]

    @classmethod
    def of(cls, item: Unmapped, suggestions: list[Suggestion]) -> Candidate:
        return cls(item.kind, item.source_string, item.facts, len(item.documents),
                   list(item.documents[:DOCUMENTS_LISTED]),
                   [{"rank": s.rank, "master": s.master, "score": s.score, "reason": s.reason}
                    for s in suggestions])

    def as_dict(self) -> dict:
        return asdict(self)


def refresh_suggestions(url: str | None = None) -> tuple[list[Candidate], int]:
    """Suggest masters for every unmapped string and store them (replacing the previous set).
    The candidates, most facts first, and how many strings are new since the previous set."""
    with warehouse.transaction(url) as conn:
        masters = read_masters(conn)
        mapped = {(k, s): m for k, s, m in conn.execute(
            "select kind, source_string, master from raw_polio.mapping")}
        unmapped = read_unmapped(conn, masters)
        suggester = Suggester(masters, mapped)
        candidates = [Candidate.of(item, suggester.suggest(item)) for item in unmapped]
        before = set(conn.execute("select distinct kind, source_string from raw_polio.mapping_suggestion"))
        conn.execute("delete from raw_polio.mapping_suggestion")
        warehouse.load(conn, "raw_polio.mapping_suggestion",
                       ["kind", "source_string", "rank", "master", "score", "reason"],
                       [(c.kind, c.source_string, s["rank"], s["master"], s["score"], s["reason"])
                        for c in candidates for s in c.suggestions])
    new = {(c.kind, c.source_string) for c in candidates if c.suggestions} - before
    log.info("%d unmapped strings, %d with suggestions (%d new)", len(candidates),
             sum(1 for c in candidates if c.suggestions), len(new))
    return candidates, len(new)


def auto_apply(candidates: list[Candidate], threshold: float | None, *,
               url: str | None = None) -> list[dict]:
    """Map each string whose best suggestion scores at least ``threshold`` (None: off), via
    ``auto``; what was mapped."""
    if threshold is None:
        return []
    chosen = [{"kind": c.kind, "source_string": c.source_string, "master": c.suggestions[0]["master"],
               "score": c.suggestions[0]["score"], "reason": c.suggestions[0]["reason"]}
              for c in candidates if c.suggestions and c.suggestions[0]["score"] >= threshold]
    if chosen:
        apply_mappings([Mapping(c["kind"], c["source_string"], c["master"]) for c in chosen],
                       by="auto_map_threshold", via="auto", url=url)
    return chosen


def batch(candidates: list[Candidate], size: int, *, exclude: list[dict] = ()) -> list[dict]:
    """The first ``size`` strings with suggestions (most facts first), less those in ``exclude``."""
    done = {(e["kind"], e["source_string"]) for e in exclude}
    return [c.as_dict() for c in candidates
            if c.suggestions and (c.kind, c.source_string) not in done][:size]


def field_key(n: int) -> str:
    """The review form's field for the n-th string of the batch."""
    return f"s{n:03d}"


def apply_answers(items: list[dict], answers: dict[str, str], *, by: str,
                  url: str | None = None) -> list[dict]:
    """Map each string of the batch to the master picked in the review form (fields `field_key`),
    via ``ui``; strings answered `SKIP` (or not at all) stay unmapped. What was mapped."""
    chosen = []
    for n, item in enumerate(items):
        pick = answers.get(field_key(n))
        if not pick or pick == SKIP:
            continue
        offered = {s["master"] for s in item["suggestions"]}
        if pick not in offered:  # the form only offers suggestions; anything else was not shown
            raise BadInput(f"{item['kind']} {item['source_string']!r}: {pick!r} was not offered")
        chosen.append({"kind": item["kind"], "source_string": item["source_string"], "master": pick})
    if chosen:
        apply_mappings([Mapping(c["kind"], c["source_string"], c["master"]) for c in chosen],
                       by=by, via="ui", url=url)
    return chosen



def threshold_of(param: float | None, variable: str | None) -> float | None:
    """The auto-apply threshold: the DAG param, else the Variable ``auto_map_threshold``, else
    None (off)."""
    if param is not None:
        return float(param)
    if variable is None or not str(variable).strip():
        return None
    try:
        value = float(variable)
    except ValueError:
        raise BadInput(f"Variable auto_map_threshold {variable!r} is not a number") from None
    if not 0 <= value <= 1:
        raise BadInput(f"Variable auto_map_threshold {value} is not between 0 and 1")
    return value


def apply_review(prepared: dict, response: dict | None, *, url: str | None = None) -> dict:
    """Apply a review's answers to the batch ``prepared`` showed; the run's summary. ``response``
    is the review task's result (None when there was nothing to review). A review that timed out
    (no one answered) or was skipped maps nothing. Raises AirflowSkipException when nothing was
    mapped in the run at all (no refresh needed)."""
    from airflow.sdk.exceptions import AirflowSkipException  # noqa: PLC0415

    auto_applied = prepared.get("auto_applied") or []
    items = prepared.get("batch") or []
    user = (response or {}).get("responded_by_user")
    if response is None:
        outcome = "nothing to review"
    elif user is None:
        outcome = "timed out: nothing mapped"
    elif response.get("chosen_options") != [MAP]:
        outcome = f"skipped by {user.get('name') or user.get('id')}"
    else:
        outcome = f"answered by {user.get('name') or user.get('id')}"
    mapped = []
    if outcome.startswith("answered"):
        mapped = apply_answers(items, response.get("params_input") or {},
                               by=user.get("name") or str(user.get("id")), url=url)
    summary = {"threshold": prepared.get("threshold"), "auto_applied": auto_applied,
               "review": outcome, "reviewed": len(items), "mapped": mapped,
               "skipped": len(items) - len(mapped) if response is not None else 0}
    log.info("review summary: %s", summary)
    if not auto_applied and not mapped:
        raise AirflowSkipException(f"nothing mapped ({outcome}): no refresh needed")
    return summary

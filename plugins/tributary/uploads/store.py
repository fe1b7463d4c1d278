"""Where an upload goes: a temporary file while it is hashed and counted, then the lake at
``landing/<kind>/<sha256 prefix>/<file name>`` (one atomic put), then a row in
``raw_platform.upload``. Uploads are listed with how their load went.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from tributary import warehouse
from tributary.api import pages
from tributary.errors import BadInput
from tributary.inputs import safe_name
from tributary.lake import open_lake
from tributary.uploads.kinds import Kind, Placed, UploadRejected

CHUNK = 1 << 20
#: Hex characters of the sha256 in the landing folder: unique enough, short enough to read.
KEY_HASH_CHARS = 16


class TooLarge(BadInput):
    """The upload is over ``TRIBUTARY_UPLOAD_MAX_MB`` (answered with 413; nothing is stored)."""

    def __init__(self, max_bytes: int):
        super().__init__(f"the file is larger than the upload limit of {max_bytes / 2**20:g} MB "
                         "(TRIBUTARY_UPLOAD_MAX_MB)")


@dataclass(frozen=True)
class Received:
    """An upload's bytes in a local temporary file."""

    path: Path
    sha256: str
    size: int


@contextmanager
def received(source: BinaryIO, *, max_bytes: int) -> Iterator[Received]:
    """``source`` copied to a temporary file while hashed, in chunks (memory stays flat);
    `TooLarge` as soon as it passes ``max_bytes``. The file is removed afterwards."""
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(prefix="upload-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(max_bytes)
                digest.update(chunk)
                out.write(chunk)
        if not size:
            raise UploadRejected("the file is empty: there is nothing to load")
        yield Received(path, digest.hexdigest(), size)
    finally:
        path.unlink(missing_ok=True)


def file_name_of(given: str | None) -> str:
    """The uploaded file's own name, kept as sent unless it could leave its folder or hide."""
    name = (given or "").strip()
    if not name:
        raise UploadRejected("the upload has no file name: send the file as the multipart field "
                             "'file' with a filename")
    name = safe_name(name, what="file name")
    if name.startswith("."):
        raise UploadRejected(f"file name {name!r} starts with '.': hidden files are not listed in the lake")
    return name


def place(kind: Kind, file: Received, file_name: str) -> Placed:
    """Store the file in the lake (atomically: readers see all of it or nothing)."""
    folder = f"landing/{kind.name}/{file.sha256[:KEY_HASH_CHARS]}"
    placed = Placed(key=f"{folder}/{file_name}", folder=folder)
    open_lake().put_file(placed.key, file.path)
    return placed


def record(kind: Kind, placed: Placed, file: Received, file_name: str, conf: dict[str, Any],
           uploaded_by: str) -> int:
    """The upload's row (before its DAG run is started); its id."""
    with warehouse.transaction() as conn:
        return conn.execute(
            "insert into raw_platform.upload (kind, key, sha256, file_name, size, conf, uploaded_by, dag_id) "
            "values (%s, %s, %s, %s, %s, %s::jsonb, %s, %s) returning upload_id",
            (kind.name, placed.key, file.sha256, file_name, file.size, json.dumps(conf), uploaded_by,
             kind.dag_id),
        ).fetchone()[0]


def record_run(upload_id: int, dag_run_id: str | None, trigger_error: str | None = None) -> None:
    with warehouse.transaction() as conn:
        conn.execute("update raw_platform.upload set dag_run_id = %s, trigger_error = %s "
                     "where upload_id = %s", (dag_run_id, trigger_error, upload_id))


# --- listing ------------------------------------------------------------------------------------
# The load's outcome lives with its domain; each join is used only once its table has a `source`
# column (older warehouses, or a domain not installed, list uploads without it).
DOCUMENT_OUTCOME = """
left join lateral (
    select d.status, d.error, d.facts, d.rejected_rows, null::bigint as inserted,
           null::integer as rejected_cells
    from raw_polio.document d
    -- By content and reading, not by key: the same bytes read the same way are one document,
    -- so an upload of a file already loaded under another name shows that document.
    where u.kind = 'polio_document' and d.checksum = u.sha256
      and d.reading->>'region_column' = coalesce(u.conf->>'region_column', 'region')
      and d.reading->>'campaign_column' = coalesce(u.conf->>'campaign_column', 'campaign')
      and coalesce(d.reading->'ignore_columns', '[]') @> coalesce(u.conf->'ignore_columns', '[]')
      and coalesce(d.reading->'ignore_columns', '[]') <@ coalesce(u.conf->'ignore_columns', '[]')
    order by d.status = 'loaded' desc, d.source = u.key desc, d.document_id desc limit 1
) doc on true"""
MATRIX_OUTCOME = """
left join lateral (
    select m.status, m.error, null::bigint as facts, null::bigint as rejected_rows, m.inserted,
           m.rejected_cells
    from raw_migration.matrix_load m
    where u.kind = 'migration_matrix' and m.source = u.key
    order by m.load_id desc limit 1
) mat on true"""
NO_OUTCOME = """
left join lateral (
    select null::text as status, null::text as error, null::bigint as facts,
           null::bigint as rejected_rows, null::bigint as inserted, null::integer as rejected_cells
) {alias} on true"""

UPLOADS = """
select u.upload_id, u.kind, u.key, u.file_name, u.size, u.sha256, u.conf, u.uploaded_by,
       u.uploaded_at, u.dag_id, u.dag_run_id,
       coalesce(doc.status, mat.status,
                case when u.dag_run_id is not null then 'triggered'
                     when u.trigger_error is not null then 'not triggered' else 'stored' end) as status,
       coalesce(doc.error, mat.error, u.trigger_error) as error,
       doc.facts, doc.rejected_rows, mat.inserted, mat.rejected_cells
from raw_platform.upload u
{document}
{matrix}
where (%(kind)s::text is null or u.kind = %(kind)s)
order by u.uploaded_at desc, u.upload_id desc
"""


def _has_source(conn, schema: str, table: str) -> bool:
    return conn.execute(
        "select to_regclass(%s) is not null and exists (select 1 from information_schema.columns "
        "where table_schema = %s and table_name = %s and column_name = 'source')",
        (f"{schema}.{table}", schema, table)).fetchone()[0]


def uploads_query() -> str:
    """The listing query for this warehouse (domain outcomes joined where they exist)."""
    with warehouse.connect() as conn:
        document = DOCUMENT_OUTCOME if _has_source(conn, "raw_polio", "document") else NO_OUTCOME
        matrix = MATRIX_OUTCOME if _has_source(conn, "raw_migration", "matrix_load") else NO_OUTCOME
    return UPLOADS.format(document=document.format(alias="doc"), matrix=matrix.format(alias="mat"))


def list_uploads(kind: str | None, *, limit: int, offset: int) -> pages.Page:
    """One page of uploads, newest first, with their load's outcome."""
    return pages.fetch_page(uploads_query(), {"kind": kind}, limit=limit, offset=offset)

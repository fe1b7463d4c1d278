"""``/api/v1/uploads``: hand a file to the platform over HTTP.

- ``POST /uploads/{kind}`` (multipart: ``file`` plus the kind's form fields; a role that may
  trigger DAGs) stores the file in the lake and, inside Airflow, starts the DAG that reads it.
- ``GET /uploads`` lists uploads, newest first, with how their load went.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from tributary import settings
from tributary.api import pages
from tributary.api.auth import Identity, Who, Writer
from tributary.api.pages import DEFAULT_LIMIT, Format, Limit, Offset
from tributary.errors import BadInput, quote_input
from tributary.uploads import dag_runs, store
from tributary.uploads.kinds import KINDS, Kind, Placed, UploadRejected, kind_named

router = APIRouter(prefix="/uploads", tags=["uploads"])

#: Bytes a request may carry beyond the file itself (multipart headers, the form fields).
FORM_ALLOWANCE = 1 << 20


class UploadAccepted(BaseModel):
    key: str
    dag_id: str
    dag_run_id: str | None
    upload_id: int
    sha256: str
    size: int
    conf: dict[str, Any]


class UploadList(BaseModel):
    limit: int
    offset: int
    more: bool
    items: list[dict[str, Any]]


def _form_schema() -> dict[str, Any]:
    """The multipart body in OpenAPI: the file and every kind's fields, each saying its kinds."""
    properties: dict[str, Any] = {"file": {"type": "string", "format": "binary",
                                           "description": "The file; its name is kept."}}
    for kind in KINDS.values():
        for name, spec in kind.fields.items():
            item: dict[str, Any] = {"type": "string", "description": f"{kind.name}: {spec.description}"}
            if spec.choices:
                item["enum"] = list(spec.choices)
            properties[name] = {"type": "array", "items": item} if spec.many else item
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["file"], "properties": properties}}}}}


KIND_DOC = "\n".join(
    f"- `{k.name}` → DAG `{k.dag_id}`: {k.description}"
    + (f" Form fields: {', '.join(f'`{f}`' for f in k.fields)}." if k.fields else "")
    + (f" File names: {', '.join(k.file_names)}." if k.file_names else "")
    for k in KINDS.values())


async def _limited(stream: AsyncIterator[bytes], max_bytes: int) -> AsyncIterator[bytes]:
    """The request body, cut off once it is larger than any allowed upload could be."""
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > max_bytes + FORM_ALLOWANCE:
            raise store.TooLarge(max_bytes)
        yield chunk


async def _read_form(request: Request, max_bytes: int) -> FormData:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes + FORM_ALLOWANCE:
        raise store.TooLarge(max_bytes)  # refused before a byte of the body is read
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UploadRejected("send the file as multipart/form-data (field 'file')")
    try:
        return await MultiPartParser(request.headers, _limited(request.stream(), max_bytes),
                                     max_files=1, max_fields=50).parse()
    except MultiPartException as exc:
        raise UploadRejected(f"unreadable multipart body: {exc.message}") from None


def _split(form: FormData) -> tuple[UploadFile, dict[str, list[str]]]:
    files = form.getlist("file")
    if len(files) != 1 or not isinstance(files[0], UploadFile):
        raise UploadRejected("send exactly one file, as the multipart field 'file'")
    fields: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if name == "file":
            continue
        if not isinstance(value, str):
            raise UploadRejected(f"form field {name!r} is a file; only 'file' may be one")
        fields.setdefault(name, []).append(value)
    return files[0], fields


def _store_and_start(kind: Kind, upload: UploadFile, file_name: str, fields: dict[str, list[str]],
                     writer: Identity, max_bytes: int) -> UploadAccepted:
    upload.file.seek(0)
    with store.received(upload.file, max_bytes=max_bytes) as received:
        placed: Placed = store.place(kind, received, file_name)
    conf = kind.conf(placed, fields)
    upload_id = store.record(kind, placed, received, file_name, conf, writer.name)
    run_id = None
    if writer.airflow_token:  # inside Airflow: start the run as the caller
        try:
            run_id = dag_runs.trigger(kind.dag_id, conf, token=writer.airflow_token)
        except dag_runs.TriggerFailed as exc:
            store.record_run(upload_id, None, str(exc))
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"stored as {placed.key}, but the "
                                f"{kind.dag_id} run was not started: {exc}") from None
        store.record_run(upload_id, run_id)
    return UploadAccepted(key=placed.key, dag_id=kind.dag_id, dag_run_id=run_id, upload_id=upload_id,
                          sha256=received.sha256, size=received.size, conf=conf)


@router.post(
    "/{kind}", status_code=status.HTTP_202_ACCEPTED, response_model=UploadAccepted,
    summary="Upload a file and start the DAG that loads it",
    openapi_extra=_form_schema(),
    responses={403: {"description": "the caller's role may not change data"},
               404: {"description": "no such kind"},
               413: {"description": "larger than TRIBUTARY_UPLOAD_MAX_MB; nothing stored"},
               422: {"description": "unknown or bad form field, or a file name the kind does not read"},
               502: {"description": "stored, but Airflow did not start the run"}},
    description=(
        "Stores the file in the lake at `landing/<kind>/<sha256 prefix>/<file name>` (atomically; "
        "the same bytes land at the same key) and records it in `raw_platform.upload`. Mounted in "
        "Airflow, it then starts the kind's DAG through Airflow's API with the caller's own "
        "credentials, and answers 202 with the run id; run alone (`make api`) it answers 202 with "
        "`dag_run_id: null` (trigger the DAG with the key yourself). Needs a role that may "
        "trigger DAGs. Kinds:\n" + KIND_DOC),
)
async def upload(kind: str, request: Request, writer: Writer) -> UploadAccepted:
    try:
        spec = kind_named(kind)
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.args[0]) from None
    max_bytes = settings.upload_max_bytes()
    try:
        form = await _read_form(request, max_bytes)
    except store.TooLarge as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(exc)) from None
    except UploadRejected as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    try:
        file, fields = _split(form)
        file_name = store.file_name_of(file.filename)
        spec.check(file_name, fields)
        return await run_in_threadpool(_store_and_start, spec, file, file_name, fields, writer, max_bytes)
    except store.TooLarge as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(exc)) from None
    except BadInput as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    finally:
        await form.close()


@router.get(
    "", response_model=UploadList, responses={200: {"content": {"text/csv": {}}}},
    summary="Uploads, newest first, with how their load went",
    description=(
        "`status`: for `polio_document` the document's (`loaded`, `failed` with `error`, "
        "`facts`, `rejected_rows`), for `migration_matrix` the matrix load's (`loaded`, `failed` "
        "with `error`, `inserted`, `rejected_cells`); until then, and for other kinds, "
        "`triggered` (a run was started), `stored` (run alone: nothing started) or "
        "`not triggered` (Airflow refused; `error` says why). Mounted in Airflow, "
        "`dag_run_state` is the run's state as Airflow shows it to the caller. " + pages.PAGING),
)
def list_uploads(
    request: Request,
    response: Response,
    who: Who,
    kind: Annotated[str | None, Query(description="Only uploads of this kind.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
    format: Format = "json",  # noqa: A002
):
    if kind is not None and kind not in KINDS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"no upload kind {quote_input(kind)!r} (kinds: {', '.join(KINDS)})")
    if format == "csv":
        return pages.stream_csv(request, store.uploads_query(), {"kind": kind}, limit=limit,
                                offset=offset, filename="uploads.csv")
    page = store.list_uploads(kind, limit=limit, offset=offset)
    pages.mark_page(response, request, page)
    items = page.records()
    _add_run_states(items, who)
    return UploadList(limit=limit, offset=offset, more=page.more, items=items)


def _add_run_states(items: list[dict[str, Any]], who: Identity) -> None:
    """Each item's ``dag_run_state`` from Airflow (one request), or null run alone."""
    runs = [(i["dag_id"], i["dag_run_id"], i["uploaded_at"]) for i in items if i["dag_run_id"]]
    states = dag_runs.run_states(runs, token=who.airflow_token) if who.airflow_token and runs else {}
    for item in items:
        item["dag_run_state"] = states.get((item["dag_id"], item["dag_run_id"]))

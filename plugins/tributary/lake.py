"""The object store every pipeline keeps its files in: a folder (`file://`) or S3 (`s3://`).

One small interface, two backends. Writes are atomic: a reader sees the old object or the whole
new one, never a partial file (temp file + rename on disk; a single PUT on S3). Paths are
``/``-separated keys relative to the lake root, e.g. ``raw/2024/01/31/bt/…``.
S3 goes through the Amazon provider's `S3Hook` (connection ``LAKE_AWS_CONN_ID``, default
``aws_default``), so credentials and a custom endpoint live in an Airflow connection.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import unquote, urlsplit

from tributary import settings


class LakeError(RuntimeError):
    """The lake could not be read or written; the message names the object."""


@dataclass(frozen=True)
class ObjectInfo:
    path: str
    size: int


def _clean(path: str) -> str:
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise LakeError(f"lake paths may not leave the lake: {path!r}")
    return "/".join(parts)


class Lake(Protocol):
    url: str

    def put_bytes(self, path: str, data: bytes) -> ObjectInfo: ...
    def put_file(self, path: str, local: Path) -> ObjectInfo: ...
    def get_bytes(self, path: str) -> bytes: ...
    def exists(self, path: str) -> bool: ...
    def list(self, prefix: str = "") -> list[ObjectInfo]: ...
    def delete(self, path: str) -> None: ...
    def local_copy(self, path: str) -> Iterator[Path]: ...


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FileLake:
    """A lake in a local folder."""

    def __init__(self, root: Path):
        self.root = root
        self.url = root.as_uri()
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, path: str) -> Path:
        return self.root / _clean(path)

    def _atomic_write(self, path: str, write: callable) -> ObjectInfo:
        target = self._path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return ObjectInfo(_clean(path), target.stat().st_size)

    def put_bytes(self, path: str, data: bytes) -> ObjectInfo:
        return self._atomic_write(path, lambda fh: fh.write(data))

    def put_file(self, path: str, local: Path) -> ObjectInfo:
        def write(fh: IO[bytes]) -> None:
            with local.open("rb") as src:
                shutil.copyfileobj(src, fh, 1 << 20)

        return self._atomic_write(path, write)

    def get_bytes(self, path: str) -> bytes:
        try:
            return self._path(path).read_bytes()
        except FileNotFoundError:
            raise LakeError(f"no object {path!r} in {self.url}") from None

    def exists(self, path: str) -> bool:
        return self._path(path).is_file()

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        base = self._path(prefix) if prefix else self.root
        if base.is_file():
            return [ObjectInfo(_clean(prefix), base.stat().st_size)]
        if not base.is_dir():
            return []
        found = [
            ObjectInfo(p.relative_to(self.root).as_posix(), p.stat().st_size)
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        ]
        return sorted(found, key=lambda o: o.path)

    def delete(self, path: str) -> None:
        self._path(path).unlink(missing_ok=True)

    @contextmanager
    def local_copy(self, path: str) -> Iterator[Path]:
        target = self._path(path)
        if not target.is_file():
            raise LakeError(f"no object {path!r} in {self.url}")
        yield target


class S3Lake:
    """A lake under ``s3://bucket/prefix``, through the Amazon provider's S3Hook."""

    def __init__(self, bucket: str, prefix: str, aws_conn_id: str):
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook  # noqa: PLC0415

        self.bucket = bucket
        self.prefix = _clean(prefix)
        self.url = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.hook = S3Hook(aws_conn_id=aws_conn_id)
        self.client = self.hook.get_conn()

    def _key(self, path: str) -> str:
        return f"{self.prefix}/{_clean(path)}" if self.prefix else _clean(path)

    def put_bytes(self, path: str, data: bytes) -> ObjectInfo:
        self.client.put_object(Bucket=self.bucket, Key=self._key(path), Body=data)
        return ObjectInfo(_clean(path), len(data))

    def put_file(self, path: str, local: Path) -> ObjectInfo:
        # upload_file switches to multipart for large files; S3 makes the object visible whole.
        self.client.upload_file(str(local), self.bucket, self._key(path))
        return ObjectInfo(_clean(path), local.stat().st_size)

    def get_bytes(self, path: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(path))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise LakeError(f"no object {path!r} in {self.url}") from None

    def exists(self, path: str) -> bool:
        return self.hook.check_for_key(self._key(path), bucket_name=self.bucket)

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        # Folder semantics, as on disk: "raw" lists raw/… (or the object raw), never rawjson/….
        wanted = _clean(prefix)
        start = self._key(prefix) if wanted else (self.prefix + "/" if self.prefix else "")
        found = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                rel = item["Key"][len(self.prefix) + 1:] if self.prefix else item["Key"]
                if not wanted or rel == wanted or rel.startswith(wanted + "/"):
                    found.append(ObjectInfo(rel, item["Size"]))
        return sorted(found, key=lambda o: o.path)

    def delete(self, path: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(path))

    @contextmanager
    def local_copy(self, path: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="lake-") as tmp:
            local = Path(tmp) / Path(_clean(path)).name
            try:
                self.client.download_file(self.bucket, self._key(path), str(local))
            except Exception as exc:
                raise LakeError(f"cannot read {path!r} from {self.url}: {exc}") from exc
            yield local


def open_lake(url: str | None = None) -> FileLake | S3Lake:
    """The lake named by ``url`` (default: ``LAKE_URL``)."""
    url = url or settings.lake_url()
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FileLake(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise LakeError(f"LAKE_URL {url!r} names no bucket")
        return S3Lake(parts.netloc, parts.path, settings.lake_aws_conn_id())
    raise LakeError(f"LAKE_URL must start with file:// or s3://, got {url!r}")

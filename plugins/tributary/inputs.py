"""Where a DAG's files may come from and go to: the trust boundary for paths and outside names.

A param that names an input file is either
- a **lake key** (relative, ``landing/polio/nga_2016_01.csv``), read through `tributary.lake`, so
  file and S3 lakes behave alike; or
- an **absolute local path** under an allowed input root (``TRIBUTARY_INPUT_ROOTS``, by default the
  bundled ``include/sample`` and the lake folder when the lake is local). Symlinks and ``..`` are
  resolved before the check.

Anything else is refused before a byte is read, and the error names the path, never its content.
A task resolves each input once, where it starts, into an `InputFile` (or `InputFolder`); every
reader then opens that object, so no reader can be handed an unchecked path.

Output folders a param names (traffic ``local_copy``) are confined the same way to
``TRIBUTARY_OUTPUT_ROOTS``; names that come from outside (device names, camera addresses) are
checked by `safe_name` and `host_port` before they become paths or URLs.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tributary import settings
from tributary.errors import BadInput, quote_input
from tributary.lake import FileLake, LakeError, open_lake


class InputRejected(BadInput):
    """A param names a file, folder or name the platform may not use; nothing was read or written."""


def _lake_folder() -> Path | None:
    """The lake's folder when the lake is local (its files are inputs too)."""
    lake = open_lake()
    return Path(os.path.realpath(lake.root)) if isinstance(lake, FileLake) else None


def input_roots() -> list[Path]:
    """The folders absolute input paths must lie under, symlinks resolved."""
    configured = settings.input_roots()
    if configured is None:
        roots = [settings.SAMPLE_DIR]
        if (lake_folder := _lake_folder()) is not None:
            roots.append(lake_folder)
    else:
        roots = configured
    return [Path(os.path.realpath(root)) for root in roots]


def output_roots() -> list[Path]:
    """The folders an output folder named by a param must lie under."""
    return [Path(os.path.realpath(root)) for root in settings.output_roots()]


def _confined(given: str, roots: list[Path], *, what: str) -> Path:
    """``given`` (absolute, no ``~``) resolved, or InputRejected unless it lies under a root."""
    resolved = Path(os.path.realpath(given)) if given.startswith("/") else None
    if resolved is None or not any(resolved == r or resolved.is_relative_to(r) for r in roots):
        allowed = ", ".join(str(r) for r in roots) or "none configured"
        raise InputRejected(f"path outside the allowed {what} roots: {quote_input(given)} (allowed: {allowed})")
    return resolved


def _lake_key(given: str, *, what: str) -> str:
    """A relative key in the lake, or InputRejected for one that would leave it."""
    key = given.replace("\\", "/")
    if any(part == ".." for part in PurePosixPath(key).parts):
        roots = ", ".join(str(r) for r in input_roots())
        raise InputRejected(f"path outside the allowed {what} roots: {quote_input(given)} "
                            f"(allowed: lake keys without '..', or absolute paths under {roots})")
    return "/".join(p for p in key.split("/") if p not in ("", "."))


def _check_given(given: str | None, param: str) -> str:
    if given is None or not str(given).strip():
        raise InputRejected(f"{param} is required: give a lake key (e.g. landing/…/file.csv) or an "
                            f"absolute path under {', '.join(str(r) for r in input_roots())}")
    given = str(given).strip()
    if given.startswith("~") or "\x00" in given:
        raise InputRejected(
            f"path outside the allowed input roots: {quote_input(given)} "
            f"(allowed: {', '.join(str(r) for r in input_roots())})")
    return given


def _inside_lake_folder(key: str) -> None:
    """On a local lake, a key must not reach outside the lake folder through a symlink."""
    lake = open_lake()
    if isinstance(lake, FileLake):
        root = Path(os.path.realpath(lake.root))
        target = Path(os.path.realpath(lake.root / key))
        if not (target == root or target.is_relative_to(root)):
            raise InputRejected(f"path outside the allowed input roots: {quote_input(key)} "
                                f"(a link in the lake points outside it)")


@dataclass(frozen=True)
class _CheckedInput:
    """What a param named, after the trust check: a lake key, or a resolved local path."""

    #: what the param said (for messages)
    given: str
    #: the lake key, or None for a local file or folder
    key: str | None = None
    #: the resolved local path, or None for a lake key
    path: Path | None = None

    @classmethod
    def trusted(cls, path: str | Path):
        """A local file or folder chosen by code, not by a param (tests, the demo, the loaders'
        own callers); it skips the root check, so never build one from user input."""
        return cls(str(path), path=Path(path))


@dataclass(frozen=True)
class InputFile(_CheckedInput):
    """One input file, checked: a key in the lake or a local file under an input root."""

    @property
    def name(self) -> str:
        return (self.path.name if self.path is not None
                else PurePosixPath(self.key or self.given).name)

    @contextmanager
    def local_path(self) -> Iterator[Path]:
        """A local file with the content: the file itself, the lake's own file on a local lake,
        or a temporary download from S3 (removed afterwards)."""
        if self.path is not None:
            yield self.path
            return
        with open_lake().local_copy(self.key) as local:
            yield local


@dataclass(frozen=True)
class InputFolder(_CheckedInput):
    """A folder of input files, checked: a prefix in the lake or a local folder under a root."""

    @contextmanager
    def local_path(self) -> Iterator[Path]:
        """A local folder with the folder's files (top level only): the folder itself, or a
        temporary copy of the lake prefix."""
        if self.path is not None:
            yield self.path
            return
        lake = open_lake()
        if isinstance(lake, FileLake):
            yield lake.root / self.key
            return
        with tempfile.TemporaryDirectory(prefix="input-") as tmp:
            for info in lake.list(self.key):
                rest = info.path[len(self.key):].lstrip("/") if self.key else info.path
                if "/" in rest:
                    continue
                with lake.local_copy(info.path) as local:
                    shutil.copyfile(local, Path(tmp) / rest)
            yield Path(tmp)


def _resolve(given: str | None, param: str, *, folder: bool) -> tuple[str, str | None, Path | None]:
    """(given, lake key, local path) of the file or folder a param names, or InputRejected."""
    given = _check_given(given, param)
    if given.startswith("/"):
        path = _confined(given, input_roots(), what="input")
        if not (path.is_dir() if folder else path.is_file()):
            raise InputRejected(f"{param}: no such {'folder' if folder else 'file'}: {quote_input(given)}")
        return given, None, path
    key = _lake_key(given, what="input")
    _inside_lake_folder(key)
    lake = open_lake()
    try:
        found = bool(lake.list(key)) if folder else lake.exists(key)
    except LakeError as exc:
        raise InputRejected(f"{param}: {exc}") from None
    if not found:
        what = "objects under" if folder else "object"
        raise InputRejected(f"{param}: no {what} {quote_input(key)} in the lake {lake.url}")
    return given, key, None


def resolve_input(given: str | None, *, param: str = "path") -> InputFile:
    """The file a param names, checked against the trust rules; nothing of it is read here."""
    given, key, path = _resolve(given, param, folder=False)
    return InputFile(given, key=key, path=path)


def resolve_input_folder(given: str | None, *, param: str = "path") -> InputFolder:
    """The folder a param names (a lake prefix or a local folder under a root), checked."""
    given, key, path = _resolve(given, param, folder=True)
    return InputFolder(given, key=key, path=path)


def resolve_output_folder(given: str, *, param: str) -> Path:
    """A local folder a param asks output to be written to: absolute under an output root, or
    relative to the first root. Created if missing."""
    given = given.strip()
    roots = output_roots()
    if not given.startswith("/"):
        if given.startswith("~") or any(p == ".." for p in PurePosixPath(given).parts):
            raise InputRejected(f"path outside the allowed output roots: {quote_input(given)} "
                                f"(allowed: {', '.join(str(r) for r in roots)})")
        given = str(roots[0] / given)
    for root in roots:
        root.mkdir(parents=True, exist_ok=True)
    folder = _confined(given, roots, what="output")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f]")


#: The longest name `safe_name` passes, in UTF-8 bytes: file systems stop at 255, and writers add
#: a prefix and suffix to a temporary name beside the file.
MAX_NAME_BYTES = 200


def safe_name(value: str, *, what: str) -> str:
    """A name from outside that becomes part of a path: no separators, no ``..``, no controls,
    at most `MAX_NAME_BYTES`."""
    if not value or value in (".", "..") or ".." in value or _UNSAFE_NAME.search(value):
        raise InputRejected(f"{what} {quote_input(value)!r} cannot name a file: it holds a path "
                            "separator, '..' or a control character")
    if len(value.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise InputRejected(f"{what} {quote_input(value, 60)!r} is longer than {MAX_NAME_BYTES} bytes")
    return value


_HOST = re.compile(
    r"(?:(?:\d{1,3}\.){3}\d{1,3}"                       # IPv4
    r"|\[[0-9A-Fa-f:.]+\]"                               # [IPv6]
    r"|(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)"  # host name
    r"(?::(\d{1,5}))?"
)


def host_port(value: str, *, what: str) -> str:
    """An address from outside that becomes part of a URL: ``host`` or ``host:port``, nothing else."""
    match = _HOST.fullmatch(value or "")
    if not match or (match.group(1) and not 0 < int(match.group(1)) < 65536):
        raise InputRejected(f"{what} {quote_input(value or '')!r} is not a host or host:port")
    return value

"""The lake behaves the same on a folder and on S3 (a moto server on loopback)."""

from __future__ import annotations

import pytest
from tributary.lake import FileLake, LakeError


@pytest.fixture(params=["file", "s3"])
def lake(request):
    return request.getfixturevalue(f"{request.param}_lake")


def test_put_get_list_delete(lake, tmp_path):
    lake.put_bytes("raw/2024/01/31/bt/a_bt_2024-01-31.txt", b"one")
    local = tmp_path / "b.bin"
    local.write_bytes(b"\x00" * 3000)
    info = lake.put_file("raw/2024/01/31/bt/b_bt_2024-01-31.bin", local)
    lake.put_bytes("ready/x.json", b"{}")
    assert info.size == 3000
    assert [o.path for o in lake.list("raw/2024/01")] == [
        "raw/2024/01/31/bt/a_bt_2024-01-31.txt", "raw/2024/01/31/bt/b_bt_2024-01-31.bin"]
    assert lake.get_bytes("raw/2024/01/31/bt/a_bt_2024-01-31.txt") == b"one"
    with lake.local_copy("raw/2024/01/31/bt/b_bt_2024-01-31.bin") as path:
        assert path.read_bytes() == local.read_bytes()
    assert lake.exists("ready/x.json")
    lake.delete("ready/x.json")
    assert not lake.exists("ready/x.json")
    with pytest.raises(LakeError, match="no object 'ready/x.json'"):
        lake.get_bytes("ready/x.json")


def test_list_takes_folders_not_name_prefixes(lake):
    lake.put_bytes("raw/a.txt", b"1")
    lake.put_bytes("rawjson/b.json", b"2")
    assert [o.path for o in lake.list("raw/")] == ["raw/a.txt"]
    assert [o.path for o in lake.list("raw")] == ["raw/a.txt"]
    assert [o.path for o in lake.list("raw/a.txt")] == ["raw/a.txt"]
    assert [o.path for o in lake.list()] == ["raw/a.txt", "rawjson/b.json"]


def test_overwrite_replaces_whole_object(lake):
    lake.put_bytes("a/b.txt", b"old content that is long")
    lake.put_bytes("a/b.txt", b"new")
    assert lake.get_bytes("a/b.txt") == b"new"


def test_paths_cannot_escape_the_lake(lake):
    with pytest.raises(LakeError, match="may not leave the lake"):
        lake.put_bytes("../outside.txt", b"x")


def test_failed_file_write_leaves_no_partial_object(file_lake: FileLake):
    def broken(fh):
        fh.write(b"half of it")
        raise OSError("disk went away")

    with pytest.raises(OSError):
        file_lake._atomic_write("raw/partial.txt", broken)
    assert not file_lake.exists("raw/partial.txt")
    assert list(file_lake.root.rglob("*.tmp")) == []


def test_unknown_scheme_is_refused():
    from tributary.lake import open_lake

    with pytest.raises(LakeError, match="file:// or s3://"):
        open_lake("ftp://example.org/lake")

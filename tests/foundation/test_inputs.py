"""The trust boundary for paths and outside names (tributary.inputs) and the conf check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tributary import settings
from tributary.dag_defaults import UnknownParam, check_conf
from tributary.errors import BadInput
from tributary.inputs import (
    InputRejected,
    host_port,
    input_roots,
    resolve_input,
    resolve_input_folder,
    resolve_output_folder,
    safe_name,
)


@pytest.fixture
def roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """One allowed input root with a file in it, and a folder outside every root."""
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (inside / "ok.csv").write_text("a,b\n")
    (outside / "secret.csv").write_text("name,ssn\nana,123-45-6789\n")
    monkeypatch.setenv("TRIBUTARY_INPUT_ROOTS", str(inside))
    return inside, outside


def test_default_roots_are_the_samples_and_a_local_lake(file_lake, monkeypatch):
    monkeypatch.delenv("TRIBUTARY_INPUT_ROOTS", raising=False)
    assert input_roots() == [settings.SAMPLE_DIR.resolve(), Path(os.path.realpath(file_lake.root))]


def test_s3_lake_adds_no_local_root(s3_lake, monkeypatch):
    monkeypatch.delenv("TRIBUTARY_INPUT_ROOTS", raising=False)
    assert input_roots() == [settings.SAMPLE_DIR.resolve()]


@pytest.mark.parametrize("given", [
    "/etc/passwd",
    "~/secret.csv",
    "~root/.bashrc",
    "../outside/secret.csv",
    "landing/../../outside/secret.csv",
    "landing/..\\..\\secret.csv",
])
def test_paths_outside_the_roots_are_refused_naming_the_path(roots, file_lake, given):
    with pytest.raises(InputRejected) as caught:
        resolve_input(given)
    message = str(caught.value)
    assert message.startswith("path outside the allowed input roots: ")
    assert given[:20] in message and "allowed:" in message
    assert isinstance(caught.value, BadInput)  # fails the task at once, no retry


def test_dot_dot_and_symlinks_are_resolved_before_the_check(roots, file_lake):
    inside, outside = roots
    sneaky = f"{inside}/../outside/secret.csv"
    with pytest.raises(InputRejected, match="outside the allowed input roots"):
        resolve_input(sneaky)
    (inside / "link.csv").symlink_to(outside / "secret.csv")
    with pytest.raises(InputRejected, match="outside the allowed input roots") as caught:
        resolve_input(str(inside / "link.csv"))
    assert "123-45-6789" not in str(caught.value)  # never echoes content
    (inside / "folder").symlink_to(outside)
    with pytest.raises(InputRejected, match="outside the allowed input roots"):
        resolve_input_folder(str(inside / "folder"))


def test_a_link_in_a_local_lake_cannot_reach_outside_it(roots, file_lake):
    _, outside = roots
    (file_lake.root / "landing").mkdir()
    (file_lake.root / "landing" / "x.csv").symlink_to(outside / "secret.csv")
    with pytest.raises(InputRejected, match="points outside"):
        resolve_input("landing/x.csv")


def test_a_file_under_a_root_resolves_to_its_real_path(roots, file_lake):
    inside, _ = roots
    found = resolve_input(f"{inside}/./ok.csv")
    assert found.path == (inside / "ok.csv").resolve() and found.key is None
    with found.local_path() as local:
        assert local.read_text() == "a,b\n"
    with pytest.raises(InputRejected, match="no such file"):
        resolve_input(str(inside / "missing.csv"))


def test_a_required_input_names_its_param(roots, file_lake):
    for empty in (None, "", "   "):
        with pytest.raises(InputRejected, match="^migration_path is required"):
            resolve_input(empty, param="migration_path")


@pytest.mark.parametrize("lake_kind", ["file_lake", "s3_lake"])
def test_lake_keys_read_alike_on_file_and_s3_lakes(roots, lake_kind, request):
    lake = request.getfixturevalue(lake_kind)
    lake.put_bytes("landing/polio/nga.csv", b"campaign,region\n")
    lake.put_bytes("landing/master/regions.csv", b"name\n")
    lake.put_bytes("landing/master/deeper/ignored.csv", b"x\n")
    found = resolve_input("./landing//polio/nga.csv")
    assert found.key == "landing/polio/nga.csv" and found.name == "nga.csv"
    with found.local_path() as local:
        assert local.read_bytes() == b"campaign,region\n"
    with resolve_input_folder("landing/master").local_path() as folder:
        assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["regions.csv"]
    with pytest.raises(InputRejected, match="no object"):
        resolve_input("landing/polio/missing.csv")
    with pytest.raises(InputRejected, match="no objects under"):
        resolve_input_folder("landing/nothing")


def test_output_folders_are_confined(tmp_path, monkeypatch):
    root = tmp_path / "exports"
    monkeypatch.setenv("TRIBUTARY_OUTPUT_ROOTS", str(root))
    assert resolve_output_folder("copies/today", param="local_copy") == root / "copies" / "today"
    assert resolve_output_folder(str(root / "x"), param="local_copy").is_dir()
    for bad in ("/etc", "../x", "~/x", f"{root}/../elsewhere"):
        with pytest.raises(InputRejected, match="outside the allowed output roots"):
            resolve_output_folder(bad, param="local_copy")
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("name", ["../../x", "a/b", "a\\b", "..", ".", "", "x\x00y", "ok..name"])
def test_names_from_outside_cannot_become_paths(name):
    with pytest.raises(InputRejected, match="cannot name a file"):
        safe_name(name, what="device")


def test_safe_names_pass():
    assert safe_name("CAM_Lamar-5th St", what="device") == "CAM_Lamar-5th St"


@pytest.mark.parametrize("address", ["10.0.0.7", "10.0.0.7:8902", "cam-1.city.gov", "[::1]:80", "localhost"])
def test_camera_addresses_are_host_and_port(address):
    assert host_port(address, what="camera address") == address


@pytest.mark.parametrize("address", ["http://x", "evil.com/path?x", "1.2.3.4:99999", "a b", "",
                                     "host:0", "user@host", "host:80/x", "-bad.example"])
def test_anything_else_is_not_a_camera_address(address):
    with pytest.raises(InputRejected, match="is not a host or host:port"):
        host_port(address, what="camera address")


def test_unknown_conf_keys_are_named_with_the_known_ones():
    check_conf({"path": "x"}, ["path", "region_column"])
    with pytest.raises(UnknownParam, match=r"^unknown param 'pathh' \(known: path, region_column\)$"):
        check_conf({"pathh": "x", "path": "y"}, ["path", "region_column"])

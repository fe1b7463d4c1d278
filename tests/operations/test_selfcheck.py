"""The deployment self-check's checks, against the session warehouse and a real file lake."""

from __future__ import annotations

import uuid

import pytest
from tributary import environment
from tributary.operations import selfcheck


def test_checks_pass_on_a_prepared_warehouse_and_lake(warehouse_url, file_lake):
    results = [check(2) for check in selfcheck.CHECKS.values()]
    assert [r.check for r in results] == list(selfcheck.CHECKS)
    for result in results:
        assert result.samples == 2
        assert 0 < result.median_ms <= result.max_ms
    assert file_lake.list(selfcheck.PROBE_PREFIX) == []  # probes cleaned up
    table = selfcheck.summary([r.as_dict() for r in results])
    assert table.splitlines()[0].startswith("check")
    assert len(table.splitlines()) == 1 + len(results)


def test_expected_schemas_come_from_the_domains_ddl():
    schemas = selfcheck.expected_raw_schemas()
    assert "raw_platform" in schemas
    assert schemas == sorted(set(schemas))


def test_raw_schema_check_names_what_is_missing(warehouse_url):
    name = f"selfcheck_{uuid.uuid4().hex[:8]}"
    server = environment.with_database(warehouse_url, "postgres")
    environment.ensure_database(server, name)
    try:
        with pytest.raises(selfcheck.SelfCheckFailed, match="raw_platform"):
            selfcheck.check_raw_schemas(url=environment.with_database(warehouse_url, name))
    finally:
        environment.drop_database(server, name)


def test_unreachable_warehouse_fails_the_check(warehouse_url):
    from include.standins.launch import free_port

    dead = f"postgresql://nobody@127.0.0.1:{free_port()}/nothing?connect_timeout=2"
    with pytest.raises(Exception, match="(?i)connect"):
        selfcheck.check_warehouse_read(url=dead)


def test_lake_check_detects_corrupted_reads(file_lake, monkeypatch):
    lake = selfcheck.open_lake()
    monkeypatch.setattr(type(lake), "get_bytes", lambda self, path: b"not what was written")
    monkeypatch.setattr(selfcheck, "open_lake", lambda url=None: lake)
    with pytest.raises(selfcheck.SelfCheckFailed, match="different bytes"):
        selfcheck.check_lake()

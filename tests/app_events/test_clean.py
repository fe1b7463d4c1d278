import datetime as dt
import gzip
import json

import pyarrow.parquet as pq
import pytest
from tributary.app_events.clean import LineError, clean_export, clean_fields, parse_time
from tributary.app_events.export import ExportError, split_fields
from tributary.app_events.layout import COLUMNS, N_COLUMNS

from include.sample.app_events import generate as sample
from tests.app_events.conftest import DAY, SAMPLE

UTC = dt.UTC


def test_naive_times_are_utc():
    assert parse_time("2024-05-20 10:04:29.796698") == dt.datetime(2024, 5, 20, 10, 4, 29, 796698, tzinfo=UTC)


def test_offset_times_are_converted_to_utc():
    assert parse_time("2024-05-20T01:00:00-05:00") == dt.datetime(2024, 5, 20, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", None, "null"])
def test_empty_times_are_null(text):
    assert parse_time(text) is None


def test_garbage_time_is_an_error():
    with pytest.raises(ValueError):
        parse_time("20/05/2024 10:00")


def _fields(**values: str) -> list[str]:
    base = {c: "" for c in COLUMNS}
    base.update(event_time="2024-05-20 10:00:00", mdn="0123456789", event_id="7")
    base.update(values)
    return [base[c] for c in COLUMNS]


def test_ids_stay_strings_and_empty_fields_are_null():
    values = dict(zip(COLUMNS, clean_fields(_fields(amplitude_id="000123", location_lat="30.5")), strict=True))
    assert values["mdn"] == "0123456789"
    assert values["amplitude_id"] == "000123"
    assert values["location_lat"] == 30.5
    assert values["user_id"] is None
    assert values["event_time"].tzinfo is not None


def test_bad_values_name_their_column():
    with pytest.raises(LineError, match="client_upload_time"):
        clean_fields(_fields(client_upload_time="yesterday"))
    with pytest.raises(LineError, match="event_time is missing"):
        clean_fields(_fields(event_time=""))


def test_pipe_inside_json_is_put_back():
    fields = _fields(event_properties='{"preview": "pick | drop"}', user_properties='{"r": "a|b"}')
    joined = "|".join(fields)
    assert len(joined.split("|")) == N_COLUMNS + 2
    assert split_fields(joined) == fields


def _export(tmp_path, count=50, extra_lines=()):
    groupings = sample.lines_of(SAMPLE)
    return sample.write_export(tmp_path / "e.txt.gz", DAY, count, list(groupings),
                               groupings=groupings, extra_lines=extra_lines)


def test_clean_writes_parquet_and_rejects_ragged_lines_with_line_numbers(tmp_path):
    path = _export(tmp_path, 50, extra_lines=[(3, "0123|short|line")])
    summary = clean_export(path, DAY, tmp_path / "out", source="e")
    assert (summary.events, summary.rejects, summary.lines) == (50, 1, 51)
    rejects = [json.loads(line) for line in (tmp_path / "out" / "rejects.jsonl").open()]
    # header = line 1, three events = lines 2–4, the inserted line = line 5
    assert rejects == [{"line_number": 5, "reason": f"expected {N_COLUMNS} fields, found 3",
                        "raw": "0123|short|line"}]
    events = pq.read_table(tmp_path / "out" / "events.parquet")
    assert events.num_rows == 50
    assert 5 not in events.column("line_number").to_pylist()
    assert str(events.schema.field("event_time").type) == "timestamp[us, tz=UTC]"
    props = pq.read_table(tmp_path / "out" / "properties.parquet")
    assert props.num_rows == summary.properties > 0
    by_mdn = pq.read_table(tmp_path / "out" / "by_mdn.parquet")
    assert by_mdn.num_rows == summary.by_mdn
    assert by_mdn.column("mdn").null_count == 0 and by_mdn.column("event_time").null_count == 0


def test_corrupt_gzip_fails_the_day(tmp_path):
    path = _export(tmp_path, 50)
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\x00" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(ExportError, match="not a readable gzip"):
        clean_export(path, DAY, tmp_path / "out", source="e")


def test_header_with_wrong_column_count_fails_the_day(tmp_path):
    path = tmp_path / "bad.txt.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("mdn|app|event_time\n1|2|3\n")
    with pytest.raises(ExportError, match="header has 3 columns, expected 40"):
        clean_export(path, DAY, tmp_path / "out", source="bad")


def test_too_many_bad_lines_fail_the_day(tmp_path):
    path = _export(tmp_path, 5, extra_lines=[(i, "x|y") for i in range(5)])
    with pytest.raises(ExportError, match="5 of 10 lines rejected"):
        clean_export(path, DAY, tmp_path / "out", source="e", max_reject_ratio=0.1)

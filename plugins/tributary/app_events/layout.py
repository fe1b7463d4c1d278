"""Names shared by the app_events code: the export's columns, lake paths and raw tables."""

from __future__ import annotations

from datetime import date

#: The daily export's 40 pipe-delimited columns, in file order (its header line names them).
COLUMNS: tuple[str, ...] = (
    "mdn", "app", "amplitude_id", "device_id", "user_id", "event_time",
    "client_event_time", "client_upload_time", "server_upload_time", "event_id", "session_id",
    "event_type", "amplitude_event_type", "version_name", "os_name", "os_version",
    "device_brand", "device_manufacturer", "device_model", "device_carrier", "country",
    "language", "location_lat", "location_lng", "ip_address", "event_properties",
    "user_properties", "region", "city", "dma", "device_family", "device_type", "platform",
    "uuid", "paying", "start_version", "user_creation_time", "library", "idfa", "adid",
)
N_COLUMNS = len(COLUMNS)
DELIMITER = "|"

#: Timestamps parsed to UTC; `event_time` is required (it places the event in time).
TIME_COLUMNS = ("event_time", "client_event_time", "client_upload_time", "server_upload_time")
#: Other timestamps in the export, parsed the same way but not part of the issue's four.
EXTRA_TIME_COLUMNS = ("user_creation_time",)
FLOAT_COLUMNS = ("location_lat", "location_lng")
#: Cell spellings that mean "no value" (SQL NULL) in every column.
NULL_TOKENS = frozenset({"", "null", "NULL", "None", "\\N"})

LANDING_PREFIX = "landing/app_events"
DIMENSIONS_PREFIX = "landing/app_dimensions"
SCHEMA = "raw_app"


def landing_path(day: date) -> str:
    """Where the export for ``day`` arrives."""
    return f"{LANDING_PREFIX}/{file_name(day)}"


def file_name(day: date) -> str:
    return f"amplitude_{day.isoformat()}.txt.gz"


def archive_path(day: date, sha256: str) -> str:
    """The verified backup of the day's export (kept after the landing copy is removed); the
    checksum in the name keeps a corrected re-delivery from overwriting the first backup."""
    return f"archive/app_events/{day:%Y/%m}/amplitude_{day.isoformat()}.{sha256[:12]}.txt.gz"


def parquet_path(dataset: str, day: date) -> str:
    """One Parquet file per dataset and day, Hive-style partitioned by ``event_date``."""
    return f"parquet/app_events/{dataset}/event_date={day.isoformat()}/part-0.parquet"


def rejects_path(day: date) -> str:
    """Lines of the day's export that were rejected (JSON lines), staged for the load task."""
    return f"stage/app_events/{day.isoformat()}/rejects.jsonl"


def dimension_archive_path(name: str, sha256: str) -> str:
    return f"archive/app_dimensions/{sha256[:16]}_{name}"

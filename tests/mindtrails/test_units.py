"""Unit tests: RSA field decryption, scale selection, response validation, alert text, the
active-data CSV layout."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from tributary.inputs import InputRejected
from tributary.mindtrails import active_data, alerts, export, rsa_fields
from tributary.mindtrails.site_client import ScaleInfo


@pytest.fixture(scope="module")
def keys():
    private, public = rsa_fields.generate_key_pair(1024)
    return rsa_fields.load_private_key(private, "unit"), public


def test_decrypt_round_trip_and_plain_fields_untouched(keys):
    key, public = keys
    entry = {"id": 3, "participantRSA": rsa_fields.encrypt(public, "42"), "avoid": 2, "noteRSA": ""}
    decoded = rsa_fields.decrypt_entry(key, entry)
    assert decoded.payload == {"id": 3, "participantRSA": "42", "avoid": 2, "noteRSA": ""}
    assert not decoded.failed


def test_undecryptable_field_keeps_its_ciphertext_and_is_flagged(keys):
    key, _ = keys
    _, other_public = rsa_fields.generate_key_pair(1024)
    foreign = rsa_fields.encrypt(other_public, "42")
    junk = base64.b64encode(b"not rsa").decode()
    entry = {"id": 1, "participantRSA": foreign, "emailRSA": "%%not base64%%", "otherRSA": junk}
    decoded = rsa_fields.decrypt_entry(key, entry)
    assert decoded.payload == entry
    assert decoded.failed_fields == ["participantRSA", "emailRSA", "otherRSA"]
    assert rsa_fields.decrypt_entry(None, entry).failed_fields == decoded.failed_fields


def test_unreadable_private_key_names_the_server():
    with pytest.raises(rsa_fields.PrivateKeyError, match="server 'alpha'"):
        rsa_fields.load_private_key("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----", "alpha")


LISTING = [ScaleInfo("OA", 3, True), ScaleInfo("DASS21", 1, True), ScaleInfo("TaskLog", 9, False),
           ScaleInfo("Participant", 2, False)]


@pytest.mark.parametrize(("selector", "names"), [
    (".", ["OA", "DASS21"]), ("all", ["OA", "DASS21", "TaskLog", "Participant"]),
    ("static", ["TaskLog", "Participant"]), ("tasklog", ["TaskLog"]),
])
def test_scale_selector(selector, names):
    assert [s.name for s in export.select_scales(LISTING, selector, "alpha")] == names


def test_unknown_scale_lists_what_the_server_has():
    with pytest.raises(export.ExportError, match="server 'alpha' has no scale 'BBSIQ' .*OA, DASS21"):
        export.select_scales(LISTING, "BBSIQ", "alpha")


@pytest.mark.parametrize(("body", "message"), [
    (b'{"id": 1}', "expected a JSON list"),
    (b'[{"id": 1}, {"id": "2"}]', "entry #2 of 2 has no integer id"),
    (b'[{"id": 1}, {"id": true}]', "entry #2 of 2 has no integer id"),
    (b'[{"id": 1}, {"id": 1}]', "appears twice"),
    (b'[{"id": 1}', "not valid JSON"),
])
def test_untrustworthy_responses_are_rejected(body, message):
    with pytest.raises(export.EntryError, match=message):
        export.parse_entries(body, "alpha", "OA")


def test_valid_response_parses():
    entries = [{"id": 5, "avoid": 1}, {"id": 7}]
    assert export.parse_entries(json.dumps(entries).encode(), "alpha", "OA") == entries


def test_alert_text_names_server_scale_and_ids():
    text = alerts.describe("alpha", "OA", list(range(60, 0, -1)), limit=3)
    assert text == "server alpha, scale OA, entry ids 1, 2, 3 and 57 more"


@pytest.mark.parametrize(("kind", "severity"), [
    ("request_failed", "ERROR"), ("write_failed", "ERROR"), ("delete_failed", "CRITICAL"),
    ("stale_data", "CRITICAL"), ("new_benchmark", "INFO"),
])
def test_alert_kinds_carry_their_severity(kind, severity):
    alert = alerts.Alert(kind, "alpha", "OA", [9, 4], "detail")
    assert alert.severity == severity
    assert alert.subject.startswith(f"[tributary mindtrails {severity}] ") and alert.subject.endswith("alpha/OA")
    assert alert.body() == "server alpha, scale OA, entry ids 4, 9\ndetail"


def test_alert_recipients_come_from_the_configured_variable(monkeypatch):
    settings = alerts.AlertSettings(recipients_variable="study_alerts")
    monkeypatch.setenv("AIRFLOW_VAR_STUDY_ALERTS", " a@example.org,, b@example.org ")
    assert settings.recipients() == ["a@example.org", "b@example.org"]
    monkeypatch.delenv("AIRFLOW_VAR_STUDY_ALERTS")
    assert settings.recipients() == []
    assert not settings.send(alerts.Alert("new_benchmark", "alpha", "OA"))  # logged, not emailed


def test_active_data_csv_has_every_field_sorted_and_values_as_written():
    payloads = [{"id": 1, "b": None, "a": True, "n": 2.5}, {"id": 2, "c": {"x": [1]}, "a": "text, \"quoted\""}]
    assert active_data.render(payloads).decode().splitlines() == [
        "a,b,c,id,n", "true,,,1,2.5", '"text, ""quoted""",,"{""x"": [1]}",2,']


def test_active_data_key_refuses_names_that_are_paths():
    with pytest.raises(InputRejected, match="scale '../OA' cannot name a file"):
        active_data.active_key("alpha", "../OA", dt.date(2024, 1, 2))
    assert active_data.active_key("alpha", "OA", dt.date(2024, 1, 2)) == \
        "active/mindtrails/alpha/OA/2024-01-02.csv"


def test_another_keys_ciphertext_is_never_read_as_text(keys):
    # OpenSSL's implicit rejection turns a wrong-key PKCS#1 v1.5 decryption into random bytes,
    # now and then valid text ('' or one letter): every one of these must still be refused.
    key, public = keys
    _, other_public = rsa_fields.generate_key_pair(1024)
    for n in range(200):
        with pytest.raises(rsa_fields.DecryptError, match="cannot be decrypted with this key"):
            rsa_fields.decrypt(key, rsa_fields.encrypt(other_public, str(n)))
    for text in ["", "x", "42", "Zoë, 41 ✓"]:
        assert rsa_fields.decrypt(key, rsa_fields.encrypt(public, text)) == text

"""Unit tests: RSA field decryption, scale selection, response validation, alert text."""

from __future__ import annotations

import base64
import json

import pytest
from tributary.mindtrails import alerts, export, rsa_fields
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

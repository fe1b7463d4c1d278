"""Server and scale names come from outside (a run's param, the website's listing): a name that
could reach another folder never becomes part of a lake key."""

from __future__ import annotations

import datetime as dt

import pytest
from tributary.inputs import InputRejected
from tributary.mindtrails.backups import backup_path, list_backups

NOW = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(("server", "scale"), [("../x", "OA"), ("study", "../../x"),
                                               ("study", "a/b"), ("a\\b", "OA")])
def test_names_that_could_name_a_path_are_refused(server, scale):
    with pytest.raises(InputRejected, match="cannot name a file"):
        backup_path(server, scale, NOW)


def test_plain_names_make_the_key():
    assert backup_path("study", "OA", NOW) == "raw/mindtrails/study/OA/20240601T120000000000Z.json"


def test_recovering_one_server_refuses_a_path(file_lake):
    with pytest.raises(InputRejected, match="server '../raw'"):
        list(list_backups(file_lake, "../raw"))

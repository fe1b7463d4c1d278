import pytest
from tributary.app_events.properties import PropertyError, split_properties


def test_values_with_colons_commas_and_quotes_survive():
    text = '{"url": "https://x.org:8443/a,b?q=1", "label": "School \\"North\\"", "t": "5:30, ok", "p": "a | b"}'
    assert dict(split_properties(text)) == {
        "url": "https://x.org:8443/a,b?q=1", "label": 'School "North"', "t": "5:30, ok", "p": "a | b",
    }


def test_nested_objects_flatten_to_dotted_keys():
    pairs = split_properties('{"limit": {"type": "USG", "window": {"start": "21:00"}}, "empty": {}}')
    assert pairs == [("limit.type", "USG"), ("limit.window.start", "21:00"), ("empty", "{}")]


def test_scalars_keep_their_json_spelling_and_null_is_missing():
    pairs = dict(split_properties('{"n": 3, "x": 2.5, "on": true, "off": false, "none": null, "tags": ["a", "b"]}'))
    assert pairs == {"n": "3", "x": "2.5", "on": "true", "off": "false", "none": None, "tags": '["a","b"]'}


@pytest.mark.parametrize("text", ["", None, "null", "{}"])
def test_no_properties(text):
    assert split_properties(text) == []


@pytest.mark.parametrize(("text", "reason"), [
    ('{"a": 1', "not valid JSON"),
    ('["a", "b"]', "not an object"),
    ('{"a.b": 1, "a": {"b": 2}}', "appears twice"),
])
def test_unsplittable_properties_say_why(text, reason):
    with pytest.raises(PropertyError, match=reason):
        split_properties(text)

import pytest
from tributary.errors import BadInput
from tributary.flags import flag


@pytest.mark.parametrize("value", [True, 1, "1", "true", "TRUE", " yes ", "On"])
def test_true_spellings(value):
    assert flag(value) is True


@pytest.mark.parametrize("value", [False, 0, "0", "false", "No", "off "])
def test_false_spellings(value):
    assert flag(value, default=True) is False


@pytest.mark.parametrize("value", [None, "", "  "])
def test_nothing_is_the_default(value):
    assert flag(value) is False
    assert flag(value, default=True) is True


@pytest.mark.parametrize("value", ["maybe", "tru", 2, 0.5, [], {}])
def test_anything_else_is_refused_with_its_name(value):
    class Wrong(BadInput):
        pass

    with pytest.raises(Wrong, match="delete_mode must be true or false"):
        flag(value, what="delete_mode", error=Wrong)

"""Typed settings: values are checked once, with messages naming the setting."""
import pytest

from components.errors import SettingError
from components.schema import Setting, schema


def test_int_setting_accepts_whole_floats_and_refuses_out_of_range():
    filters = Setting("filters", "int", 64, minimum=1, maximum=4096)
    assert filters.validate(32.0) == 32 and isinstance(filters.validate(32.0), int)
    with pytest.raises(SettingError, match="'filters'.*from 1 to 4096"):
        filters.validate(0)
    with pytest.raises(SettingError, match="'filters'"):
        filters.validate(2.5)
    with pytest.raises(SettingError, match="'filters'"):
        filters.validate(True)  # a bool is not a number here


def test_choice_lists_the_allowed_values():
    mode = Setting("mode", "choice", "max", choices=("max", "avg"))
    with pytest.raises(SettingError, match="one of max, avg"):
        mode.validate("median")


def test_special_values_and_float_limits():
    out = Setting("out_channels", "int", "auto", minimum=1, maximum=8, special=("auto",))
    assert out.validate("auto") == "auto"
    assert out.validate(3) == 3
    with pytest.raises(SettingError, match="or 'auto'"):
        out.validate("many")
    dropout = Setting("dropout", "float", 0.0, minimum=0.0, maximum=0.9)
    with pytest.raises(SettingError):
        dropout.validate(float("nan"))


def test_schema_fills_defaults_and_names_unknown_settings():
    s = schema(Setting("a", "int", 1), Setting("b", "bool", False))
    assert s.validate({"b": True}) == {"a": 1, "b": True}
    with pytest.raises(SettingError, match="'c': unknown setting .*valid settings: a, b"):
        s.validate({"c": 1})
    assert len(s.problems({"a": "x", "c": 2})) == 2


def test_a_bad_default_is_a_programming_error():
    with pytest.raises(SettingError):
        Setting("k", "int", 0, minimum=1)
    with pytest.raises(ValueError, match="duplicate"):
        schema(Setting("a", "int", 1), Setting("a", "int", 2))

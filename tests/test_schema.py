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


def test_text_setting_takes_a_choice_or_a_pattern_and_says_which():
    device = Setting("device", "text", "auto", choices=("auto", "cpu", "cuda"),
                     pattern=r"cuda:\d+", pattern_help="cuda:N")
    assert device.validate("cuda:1") == "cuda:1"
    assert device.validate("cpu") == "cpu"
    with pytest.raises(SettingError, match=r"'device': got 'gpu', expected one of auto, cpu, "
                                           r"cuda or cuda:N"):
        device.validate("gpu")
    with pytest.raises(SettingError):
        device.validate("cuda:x")
    with pytest.raises(ValueError, match="neither choices nor a pattern"):
        Setting("name", "text", "a")


def test_floats_setting_checks_length_and_each_item_and_keeps_a_tuple():
    betas = Setting("betas", "floats", (0.9, 0.999), minimum=0.0, maximum=0.9999, length=2)
    assert betas.validate([0.8, 0.99]) == (0.8, 0.99)
    with pytest.raises(SettingError, match="'betas': .*2 numbers, each from 0 to 0.9999"):
        betas.validate([0.9])
    with pytest.raises(SettingError):
        betas.validate([0.9, 1.5])
    weights = Setting("class_weights", "floats", "none", minimum=0.0, special=("none", "auto"))
    assert weights.validate("auto") == "auto"
    assert weights.validate([1, 2.5, 0]) == (1.0, 2.5, 0.0)
    with pytest.raises(SettingError, match="or 'none' or 'auto'"):
        weights.validate([])
    with pytest.raises(SettingError):
        weights.validate(["a"])


def test_group_and_when_are_kept_for_forms():
    momentum = Setting("momentum", "float", 0.9, minimum=0.0, maximum=1.0, group="Optimizer",
                       when=(("optimizer", ("sgd", "rmsprop")),))
    assert momentum.group == "Optimizer" and momentum.when == (("optimizer", ("sgd", "rmsprop")),)


def test_applies_follows_when_with_defaults_for_missing_values():
    s = schema(Setting("optimizer", "choice", "adam", choices=("adam", "sgd")),
               Setting("momentum", "float", 0.9, minimum=0.0, maximum=1.0,
                       when=(("optimizer", ("sgd",)),)))
    assert not s.applies("momentum", {})
    assert s.applies("momentum", {"optimizer": "sgd"})

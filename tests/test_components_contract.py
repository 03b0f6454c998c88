"""One contract every registered component passes (segmentation_models_pytorch style):
default settings build, the real output shape equals the shape rule's answer for
several input sizes, settings round-trip through JSON, bad values are refused with
a message naming the setting."""
import json

import pytest
import torch

from components import registry
from components.base import BuildContext, Role
from components.errors import SettingError, ShapeError

SIZES = [(3, 32, 32), (1, 64, 48), (8, 16, 80)]
ALL = registry.names()


def test_catalog_has_the_design_types():
    assert set(ALL) >= {"Input", "Target", "Convolution", "Pooling", "Upsample", "Merge", "UNet"}


def test_every_type_has_the_role_its_ports_give():
    roles = {name: registry.create(name).role for name in ALL}
    assert roles["Input"] is Role.SOURCE and roles["Target"] is Role.SINK
    assert {n for n, r in roles.items() if r is Role.LAYER} == set(ALL) - {"Input", "Target"}
    for name in ALL:
        component = registry.create(name)
        assert (component.role is Role.SOURCE) == (not component.input_ports()), name
        assert (component.role is Role.SINK) == (component.input_ports() != []
                                                 and not component.output_ports()), name


def inputs_for(component, shape):
    return {port: shape for port in component.input_ports()}


def context_for(component, shape):
    return BuildContext(classes=shape[0] if component.type_name == "Target" else 4,
                        input_size=tuple(shape[1:]))


def run(module, component, shape):
    batch = [torch.randn(2, *shape) for _ in component.input_ports()] or [torch.rand(2, *shape)]
    module.eval()
    with torch.no_grad():
        return module(batch) if component.takes_list else module(*batch)


@pytest.mark.parametrize("type_name", ALL)
@pytest.mark.parametrize("shape", SIZES)
def test_default_build_matches_shape_rule(type_name, shape):
    if type_name == "Target":  # a Target needs at least two classes, one channel each
        shape = (max(2, shape[0]), *shape[1:])
    component = registry.create(type_name, {"classes": shape[0]} if type_name == "Target" else {})
    if type_name == "Input":
        component = registry.create("Input", {"channels": shape[0], "height": shape[1],
                                              "width": shape[2]})
    inputs, context = inputs_for(component, shape), context_for(component, shape)
    expected = component.output_shape(inputs, context)
    output = run(component.build(inputs, context), component, shape)
    assert tuple(output.shape[1:]) == expected
    assert output.shape[0] == 2


@pytest.mark.parametrize("type_name", ALL)
def test_settings_round_trip_through_json(type_name):
    cls = registry.get(type_name)
    settings = registry.create(type_name).settings
    again = registry.create(type_name, json.loads(json.dumps(settings))).settings
    assert again == settings
    assert set(settings) == set(cls.SCHEMA.names())


def bad_values(setting):
    if setting.kind == "bool":
        return ["yes", 1]
    if setting.kind == "choice":
        return ["no-such-choice", 3]
    values = ["ten", None]
    if setting.maximum is not None:
        values.append(setting.maximum + 1)
    if setting.minimum is not None:
        values.append(setting.minimum - 1)
    return values


@pytest.mark.parametrize("type_name", ALL)
def test_bad_values_are_refused_naming_the_setting(type_name):
    cls = registry.get(type_name)
    for setting in cls.SCHEMA:
        for value in bad_values(setting):
            with pytest.raises(SettingError) as error:
                registry.create(type_name, {setting.name: value})
            assert f"'{setting.name}'" in str(error.value)
            assert error.value.setting == setting.name


@pytest.mark.parametrize("type_name", ALL)
def test_every_setting_has_help_and_the_class_has_palette_data(type_name):
    cls = registry.get(type_name)
    assert cls.category and cls.description and cls.icon
    for setting in cls.SCHEMA:
        assert setting.help, f"{type_name}.{setting.name} has no help text"


CONV_VARIANTS = [
    {"mode": "transpose", "stride": 2, "kernel_size": 3},
    {"mode": "transpose", "stride": 2, "kernel_size": 2, "padding": "valid"},
    {"mode": "separable", "stride": 2, "kernel_size": 5, "dilation": 2},
    {"mode": "depthwise", "kernel_size": 4},
    {"mode": "conv", "kernel_size": 4, "stride": 3, "pool_after": "avg", "dropout": 0.3},
    {"mode": "conv", "kernel_size": 7, "padding": "valid", "batch_norm": False,
     "activation": "gelu"},
]


@pytest.mark.parametrize("settings", CONV_VARIANTS)
def test_convolution_variants_match_shape_rule(settings):
    component = registry.create("Convolution", settings)
    shape = (4, 33, 20)
    expected = component.output_shape({"in": shape}, BuildContext())
    module = component.build({"in": shape}, BuildContext())
    assert tuple(run(module, component, shape).shape[1:]) == expected


def test_shape_errors_name_the_problem():
    conv = registry.create("Convolution", {"kernel_size": 9, "padding": "valid"})
    with pytest.raises(ShapeError, match="too small for a 9x9 kernel"):
        conv.output_shape({"in": (3, 4, 4)}, BuildContext())
    merge = registry.create("Merge", {"mode": "add"})
    with pytest.raises(ShapeError, match="in1 is 8x16x16 but in2 is 4x16x16"):
        merge.output_shape({"in1": (8, 16, 16), "in2": (4, 16, 16)}, BuildContext())
    unet = registry.create("UNet", {"depth": 4})
    with pytest.raises(ShapeError, match=r"divisible by 16 \(try height 250 -> 256\)"):
        unet.output_shape({"in": (3, 250, 256)}, BuildContext(classes=2))
    target = registry.create("Target", {"classes": 3})
    with pytest.raises(ShapeError, match="2 channels, but there are 3 classes"):
        target.output_shape({"in": (2, 8, 8)}, BuildContext(input_size=(8, 8)))
    with pytest.raises(ShapeError, match="imagenet' needs 3 channels"):
        registry.create("Input", {"channels": 1, "normalization": "imagenet"}).output_shape(
            {}, BuildContext())

"""Pretrained encoder weights (imagenet through torch.hub's cache, or a file) and freezing.

No test touches the network: torch.hub's download is replaced by one that fails as it
does offline, and torch's hub folder points into tmp_path."""
import urllib.error

import pytest
import torch

from components import registry
from components.backbones import encoder_spec, make_encoder
from components.base import BuildContext
from components.compiler import analyze, compile_graph
from components.errors import StudioError
from components.freeze import set_encoder_trainable, unet_modules
from components.pretrained import (PretrainedWeightsError, compare_keys, encoder_part,
                                   pretrained_weights_disabled)
from helpers import chain

THIN = {"decoder_channels": [4] * 5}
MOBILENET = "mobilenet_v2-7ebf99e0.pth"


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """torch's hub cache in tmp_path, and every download failing as without a network."""
    calls = []

    def no_network(url, *args, **kwargs):
        calls.append(url)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path / "hub"))
    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    return calls


def build(settings, channels=3, size=32):
    component = registry.create("UNet", settings)
    shape = (channels, size, size)
    component.output_shape({"in": shape}, BuildContext(classes=2))
    return component.build({"in": shape}, BuildContext(classes=2))


def torchvision_like(seed=0):
    """What torchvision's mobilenet_v2 saves: the encoder's weights and its classifier."""
    torch.manual_seed(seed)
    state = make_encoder("mobilenet_v2").state_dict()
    return {**state, "classifier.1.weight": torch.randn(1000, 1280),
            "classifier.1.bias": torch.randn(1000)}


def assert_same_weights(encoder, state):
    for key, value in encoder.state_dict().items():
        torch.testing.assert_close(value, state[key], msg=key)


def test_imagenet_offline_names_the_file_and_url_and_offers_file(offline, tmp_path):
    with pytest.raises(PretrainedWeightsError) as error:
        build({"backbone": "resnet18", "pretrained": "imagenet", **THIN})
    message = str(error.value)
    assert offline == ["https://download.pytorch.org/models/resnet18-f37072fd.pth"]
    assert message.startswith("ImageNet weights for resnet18: resnet18-f37072fd.pth is not in "
                              "the cache")
    assert "https://download.pytorch.org/models/resnet18-f37072fd.pth" in message
    assert str(tmp_path / "hub" / "checkpoints") in message
    assert "Temporary failure in name resolution" in message
    assert "set 'pretrained' to 'file'" in message
    assert isinstance(error.value, StudioError)


def test_imagenet_from_the_cache_needs_no_network(offline, tmp_path):
    cache = tmp_path / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    state = torchvision_like()
    torch.save(state, cache / MOBILENET)
    model = build({"backbone": "mobilenet_v2", "pretrained": "imagenet", **THIN})
    assert offline == []
    assert_same_weights(model.encoder, state)


def test_one_channel_input_averages_the_rgb_kernels(offline, tmp_path):
    cache = tmp_path / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    state = torchvision_like()
    torch.save(state, cache / MOBILENET)
    settings = {"backbone": "mobilenet_v2", "pretrained": "imagenet", **THIN}
    rgb = state["features.0.0.weight"]
    grey_kernel = build(settings, channels=1).encoder.features[0][0].weight.detach()
    torch.testing.assert_close(grey_kernel, rgb.sum(dim=1, keepdim=True))
    grey = torch.rand(1, 1, 32, 32)  # the same response as the grey image in RGB
    torch.testing.assert_close(torch.conv2d(grey, grey_kernel, stride=2, padding=1),
                               torch.conv2d(grey.repeat(1, 3, 1, 1), rgb, stride=2, padding=1))
    six = build(settings, channels=6).encoder.features[0][0].weight.detach()
    torch.testing.assert_close(six, rgb.mean(dim=1, keepdim=True).repeat(1, 6, 1, 1) / 2)


def test_shape_inference_and_parameter_counts_never_load(offline):
    doc = chain(("Input", {"height": 32, "width": 32}),
                ("UNet", {"backbone": "resnet18", "pretrained": "imagenet", **THIN}),
                ("Target", {"classes": 2}), ids=["input", "unet", "target"])
    analysis = analyze(doc, count_parameters=True)
    assert analysis.ok and analysis.parameters["unet"] > 11_000_000
    compile_graph(doc, device="meta")
    with pretrained_weights_disabled():
        compile_graph(doc)
    assert offline == []
    with pytest.raises(PretrainedWeightsError):
        compile_graph(doc)  # a real build does load
    assert len(offline) == 1


def test_file_loads_strictly_and_a_wrong_file_gets_the_key_report(tmp_path):
    state = torchvision_like(seed=1)
    path = tmp_path / "mobilenet.pth"
    torch.save(state, path)
    model = build({"backbone": "mobilenet_v2", "pretrained": "file", "weights_file": str(path),
                   **THIN})
    assert_same_weights(model.encoder, state)

    with pytest.raises(PretrainedWeightsError) as error:
        build({"backbone": "efficientnet_b0", "pretrained": "file", "weights_file": str(path),
               **THIN})
    assert str(error.value) == (
        f"weights file {path} does not fit the efficientnet_b0 encoder: 304 keys missing from "
        "the file (features.1.0.block.0.0.weight, features.1.0.block.0.1.weight, "
        "features.1.0.block.0.1.bias, features.1.0.block.0.1.running_mean, "
        "features.1.0.block.0.1.running_var and 299 more); 306 keys in the file but not in the "
        "encoder (features.1.conv.0.0.weight, features.1.conv.0.1.weight, "
        "features.1.conv.0.1.bias, features.1.conv.0.1.running_mean, "
        "features.1.conv.0.1.running_var and 301 more)")


@pytest.mark.parametrize("other, report", [
    ({"depth": 1}, "10 keys missing from the file (stages.2.1.0.weight, stages.2.1.1.weight, "
                   "stages.2.1.1.bias, stages.2.1.1.running_mean, stages.2.1.1.running_var "
                   "and 5 more)"),
    ({"base_filters": 3}, "30 keys with another shape (stages.0.0.weight 3x3x3x3 in the file "
                          "vs 2x3x3x3, stages.0.1.weight 3 in the file vs 2, stages.0.1.bias 3 "
                          "in the file vs 2, stages.0.1.running_mean 3 in the file vs 2, "
                          "stages.0.1.running_var 3 in the file vs 2 and 25 more)"),
])
def test_a_file_of_another_u_net_gets_the_key_report(tmp_path, other, report):
    small = {"depth": 2, "base_filters": 2}
    path = tmp_path / "other.pt"
    torch.save(build({**small, **other}).encoder.state_dict(), path)
    with pytest.raises(PretrainedWeightsError) as error:
        build({**small, "pretrained": "file", "weights_file": str(path)})
    assert str(error.value) == f"weights file {path} does not fit the classic encoder: {report}"


def test_densenet_legacy_key_names_load():
    with torch.device("meta"):
        encoder = make_encoder("densenet121")
    state = encoder.state_dict()
    legacy = {k.replace("norm1", "norm.1").replace("conv2", "conv.2"): v
              for k, v in state.items() if not k.endswith("num_batches_tracked")}
    assert "features.denseblock1.denselayer1.norm.1.weight" in legacy
    fixed = encoder_part(legacy, encoder_spec("densenet121"), encoder)
    assert compare_keys(fixed, encoder).ok  # the counters old files lack do not count
    assert sorted(fixed) == sorted(k for k in state if not k.endswith("num_batches_tracked"))


class Payload:
    """Pickled code: what weights_only=True exists to refuse."""


@pytest.mark.parametrize("content, words", [
    (b"not a zip and not a pickle", "not a PyTorch weights file"),
    ([1, 2, 3], "not a state_dict"),
    (Payload(), "refused, it holds more than tensors (Python code: "
                "test_backbones_pretrained.Payload)"),
])
def test_files_that_are_no_weights_are_refused_naming_the_file(tmp_path, content, words):
    path = tmp_path / "weights.pth"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)
    with pytest.raises(PretrainedWeightsError) as error:
        build({"depth": 1, "base_filters": 2, "pretrained": "file",
               "weights_file": str(path)})
    assert str(error.value).startswith(f"weights file {path}: {words}")


def test_weight_settings_that_cannot_work_are_problems_on_the_node(tmp_path):
    doc = chain(("Input", {"height": 32, "width": 32}), ("UNet", {"pretrained": "imagenet"}),
                ("Target", {"classes": 2}), ids=["input", "unet", "target"])
    assert analyze(doc).problems_of("unet") == [
        "setting 'pretrained': the classic encoder has no ImageNet weights; choose a "
        "backbone, or 'file'"]
    doc.set_setting("unet", "pretrained", "file")
    assert "no file is chosen" in analyze(doc).problems_of("unet")[0]
    doc.set_setting("unet", "weights_file", str(tmp_path / "gone.pth"))
    assert analyze(doc).problems_of("unet") == [
        f"setting 'weights_file': no such file: {tmp_path / 'gone.pth'}"]
    with pytest.raises(StudioError, match="'weights_file'.*a .pt or .pth file"):
        doc.set_setting("unet", "weights_file", "weights.txt")


def one_step(model, batch=2, size=32):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    model.train()
    loss = model(torch.rand(batch, 3, size, size)).square().mean()
    loss.backward()
    optimizer.step()


def snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before, module):
    return sorted(k for k, v in module.state_dict().items() if not torch.equal(v, before[k]))


def test_a_frozen_encoder_is_unchanged_by_a_training_step():
    model = build({"backbone": "mobilenet_v2", "freeze_encoder": True, **THIN})
    encoder_state = snapshot(model.encoder)
    weights = {k: v for k, v in encoder_state.items() if "running" not in k
               and "num_batches" not in k}
    decoder = snapshot(model.decoder)
    one_step(model)
    assert all(torch.equal(v, model.encoder.state_dict()[k]) for k, v in weights.items())
    assert all(p.grad is None for p in model.encoder.parameters())
    assert changed(decoder, model.decoder)  # the rest trains
    # without freeze_batch_norm, the encoder's statistics still follow the data
    assert [k for k in changed(encoder_state, model.encoder) if "running_mean" in k]


def test_frozen_batch_norm_statistics_stay_while_the_model_trains():
    model = build({"backbone": "mobilenet_v2", "freeze_batch_norm": True, **THIN})
    encoder, decoder = snapshot(model.encoder), snapshot(model.decoder)
    one_step(model)
    first_norm = model.encoder.features[0][1]
    assert model.training and not first_norm.training and model.decoder.training
    moved = changed(encoder, model.encoder)
    assert moved and not [k for k in moved if "running" in k or "num_batches" in k]
    assert [k for k in changed(decoder, model.decoder) if "running_mean" in k]


def test_the_unfreeze_callback_function_on_a_compiled_model():
    doc = chain(("Input", {"height": 32, "width": 32}),
                ("UNet", {"backbone": "mobilenet_v2", "freeze_encoder": True, **THIN}),
                ("Target", {"classes": 2}), ids=["input", "unet", "target"])
    model = compile_graph(doc)
    assert list(unet_modules(model)) == ["unet"]
    encoder = model.unet.encoder
    assert not any(p.requires_grad for p in encoder.parameters())
    assert set_encoder_trainable(model, "unet", True) == len(list(encoder.parameters()))
    assert set_encoder_trainable(model, "unet", True) == 0
    before = snapshot(encoder)
    one_step(model)
    assert "features.0.0.weight" in changed(before, encoder)
    with pytest.raises(StudioError, match="node 'input' is not a UNet of this model "
                                          r"\(UNets: unet\)"):
        set_encoder_trainable(model, "input", False)


def test_the_first_conv_key_of_every_spec_exists():
    for name in ("vgg16_bn", "resnet50", "mobilenet_v2", "densenet121", "efficientnet_b0"):
        spec = encoder_spec(name)
        with torch.device("meta"):
            keys = make_encoder(name).state_dict()
        assert keys[spec.first_conv].dim() == 4 and keys[spec.first_conv].shape[1] == 3

"""Write unet_release1.pt: a small UNet node's weights, input and output as the first
release (main at be14546, before backbones) computed them.

    git -C /work/main worktree add /tmp/release1 be14546
    PYTHONPATH=/tmp/release1 .venv/bin/python tests/data/make_unet_release1.py
"""
from pathlib import Path

import torch

from components.base import BuildContext
from components.registry import create

SETTINGS = {"depth": 2, "base_filters": 4, "convs_per_level": 2, "activation": "elu",
            "output_activation": "softmax", "pooling": "strided_conv",
            "unpooling": "bilinear", "batch_norm": True, "dropout": 0.3, "out_channels": 3}
torch.manual_seed(0)
model = create("UNet", SETTINGS).build({"in": (2, 16, 16)}, BuildContext(classes=3))
for module in model.modules():
    if isinstance(module, torch.nn.BatchNorm2d):  # statistics that are not the identity
        module.running_mean.uniform_(-0.5, 0.5)
        module.running_var.uniform_(0.5, 1.5)
model.eval()
image = torch.rand(2, 2, 16, 16)
with torch.no_grad():
    output = model(image)
torch.save({"settings": SETTINGS, "state": model.state_dict(), "image": image,
            "output": output}, Path(__file__).with_name("unet_release1.pt"))

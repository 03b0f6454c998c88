"""Write torchvision's state_dict keys and shapes (classifier left out) as test fixtures.

Runs only in a throwaway environment that has torchvision (never in the project's):
    python3 -m venv /work/tvenv
    /work/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /work/tvenv/bin/python tests/data/torchvision/dump_torchvision.py
Each <name>.json.gz holds {"torchvision": version, "keys": [[key, shape], ...]} in
state_dict order, built on the meta device (no weights are downloaded).
"""
import gzip
import json
from pathlib import Path

import torch
import torchvision
from torchvision import models

NAMES = ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
         "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "mobilenet_v2",
         "densenet121", "efficientnet_b0"]
CLASSIFIER = ("fc.", "classifier.")

for name in NAMES:
    with torch.device("meta"):
        model = models.get_model(name, weights=None)
    keys = [[key, list(value.shape)] for key, value in model.state_dict().items()
            if not key.startswith(CLASSIFIER)]
    data = {"torchvision": torchvision.__version__, "model": name, "keys": keys}
    path = Path(__file__).with_name(f"{name}.json.gz")
    with gzip.GzipFile(path, "wb", mtime=0) as out:  # mtime 0: same bytes on every run
        out.write(json.dumps(data, separators=(",", ":")).encode())
    print(name, len(keys))

"""Predict segmentation masks with this exported model: python predict.py IMAGE... --out DIR

Writes <stem>.png for every image: 8-bit class ids at the image's own size, the same
pixels as U-Net Studio's `main.py predict`. Needs torch, numpy and Pillow only.
(U-Net Studio copies this file into every `export --format python` folder.)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("images", nargs="+", type=Path, help="image files")
    parser.add_argument("--out", required=True, type=Path, help="folder for the masks")
    parser.add_argument("--overlap", type=float, help="overlap of sliding windows "
                        "(default: settings.json's)")
    parser.add_argument("--tta", action="store_true", help="average with flipped copies")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or mps")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))  # model.py and preprocess.py lie beside this file
    import torch
    from PIL import Image

    from model import SegmentationModel
    from preprocess import predict_classes, read_image, to_channels

    settings = json.loads((HERE / "settings.json").read_text(encoding="utf-8"))
    model = SegmentationModel()
    model.load_state_dict(torch.load(HERE / "weights.pt", map_location="cpu",
                                     weights_only=True))
    model.to(args.device).eval()
    overlap = settings["overlap"] if args.overlap is None else args.overlap
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.images:
        pixels = to_channels(read_image(path), settings["channels"])
        classes = predict_classes(model, pixels, tuple(settings["window"]), settings["fit"],
                                  overlap, args.tta, args.device)
        Image.fromarray(classes).save(args.out / f"{path.stem}.png")
        print(f"{path} -> {args.out / (path.stem + '.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

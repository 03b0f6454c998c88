"""``main.py export PROJECT --checkpoint CKPT --format torchscript|onnx|python --out PATH``.

Prints the export report (JSON) on stdout and one line of progress per step on
stderr; a failed export prints the message naming the node, file or package and
exits 1 (app/cli.py's handling of StudioError).
"""
from __future__ import annotations

import argparse
import json
import sys

from app.project import load_project

from .exporter import FORMATS, export_checkpoint


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", required=True, metavar="CKPT",
                        help="a checkpoint file, or a run directory (its best.pt)")
    parser.add_argument("--format", required=True, choices=FORMATS,
                        help="torchscript: a torch.export program (.pt2); onnx: an ONNX file "
                             "checked in onnxruntime; python: a standalone folder with "
                             "predict.py")
    parser.add_argument("--out", required=True, metavar="PATH",
                        help="the file to write (a folder for --format python)")


def cmd_export(args: argparse.Namespace) -> int:
    """Export a checkpoint and check the result against torch on the project's samples."""
    project = load_project(args.project)
    report = export_checkpoint(project, args.checkpoint, args.format, args.out,
                               lambda text: print(f"export: {text}", file=sys.stderr))
    print(json.dumps(report, indent=2))
    verified = report["verified"]
    print(f"exported {args.format} to {report['path']}: max abs difference "
          f"{verified['max_abs_diff']:.3g} from torch on {verified['samples']} "
          f"({len(verified['checks'])} checks)", file=sys.stderr)
    return 0

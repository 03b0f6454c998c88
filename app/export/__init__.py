"""Export a trained checkpoint: ONNX, a torch.export program, or a standalone folder.

Qt-free; ``main.py export`` (command.py) and File > Export Model…
(app/panels/export_dialog.py) both call ``exporter.export_checkpoint``. See
docs/export.md.
"""

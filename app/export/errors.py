"""The errors an export can end with; each names the node, file or package to act on."""
from __future__ import annotations

from components.errors import StudioError


class ExportError(StudioError):
    """An export that cannot be made or that did not verify; ``node_id`` names the canvas
    node whose operation is to blame, when one is."""

    def __init__(self, message: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.node_id = node_id


class MissingPackage(ExportError):
    """An optional package (the ``onnx`` extra) that this format needs is not installed."""

    def __init__(self, fmt: str, packages: list[str]) -> None:
        names = " ".join(packages)
        super().__init__(f"--format {fmt} needs the package{'s' if len(packages) > 1 else ''} "
                         f"{', '.join(packages)}, which {'are' if len(packages) > 1 else 'is'} "
                         f"not installed: pip install {names} (or pip install "
                         f"'unet-studio[onnx]')")
        self.packages = packages

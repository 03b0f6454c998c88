"""Where bundled files live, so no module builds these paths by hand."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
TEMPLATES = RESOURCES / "templates"
ICONS = RESOURCES / "icons"
DEMO_PROJECT = TEMPLATES / "demo.json"
SAMPLE_DATA = RESOURCES / "data"

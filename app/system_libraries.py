"""Before the GUI starts: are the system libraries Qt's X11 plugin needs installed?

Qt 6.5+ on Linux loads its ``xcb`` platform plugin through system libraries that a
fresh machine often lacks (``libxcb-cursor0`` is the usual one). Without them Qt
aborts with a long message about "xcb" that does not say what to install. So
before the application object exists we ask the dynamic linker (``ldd`` on the
plugin) which libraries it cannot find and print the one command that installs
them. Qt-free on purpose: it must run before PySide6 tries to open a window.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

MISSING = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def xcb_plugin() -> Path | None:
    """PySide6's X11 platform plugin, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_libraries(plugin: Path, ldd_output: str | None = None) -> list[str]:
    """Shared libraries the plugin needs and the linker cannot find (sonames, sorted)."""
    if ldd_output is None:
        ldd = shutil.which("ldd")
        if ldd is None:
            return []
        try:
            ldd_output = subprocess.run([ldd, str(plugin)], capture_output=True, text=True,
                                        timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            return []  # cannot tell: let Qt try and speak for itself
    return sorted(set(MISSING.findall(ldd_output)))


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships a library: libfoo-bar.so.0 -> libfoo-bar0.

    Debian names a library package after its soname, lower-case, with a dash before
    the version when the name already ends in a digit (libdbus-1.so.3 -> libdbus-1-3).
    """
    match = re.fullmatch(r"(.+?)\.so\.(\d+)(?:\..*)?", soname)
    if match is None:
        return soname
    name, version = match.group(1).lower(), match.group(2)
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def needs_xcb(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """True when Qt will pick its X11 plugin: Linux, not told to use another platform."""
    environ = dict(os.environ if environ is None else environ)
    if (platform or sys.platform) != "linux":
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    return not environ.get("WAYLAND_DISPLAY")


def install_advice(environ: dict[str, str] | None = None, ldd_output: str | None = None
                   ) -> str | None:
    """The message to print when the GUI cannot start for want of system libraries."""
    if not needs_xcb(environ):
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin, ldd_output)
    if not missing:
        return None
    packages = " ".join(sorted({debian_package(lib) for lib in missing}))
    return ("U-Net Studio cannot open a window: Qt's X11 support needs system libraries that "
            f"are not installed ({', '.join(missing)}).\n"
            f"Install them with:\n    sudo apt-get install {packages}\n"
            "(on Debian or Ubuntu; other systems ship the same libraries under similar names). "
            "The command line works without them: see 'python main.py --help'.")

"""Is a process still there? And how old is a file? (Qt-free, stdlib only.)

Shared by the recovery files (is the window that wrote one still running?) and the
runs list (is the training process of a run.json saying "running" still alive?).
"""
from __future__ import annotations

import os
from pathlib import Path


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs now on this machine."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C there
        import ctypes
        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)
        return bool(handle)
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but there
    return True


def mtime(path: Path) -> float:
    """Last modification time, 0 for a file that is missing or unreadable."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0

"""A QProcess for the window's children (training, evaluation), killed with its own.

Each child leads a process group of its own (a new session on Unix), so a kill
reaches the data loader workers it forked too: a worker whose parent was killed
would otherwise notice only at its next check, or never if it is stuck. The group
also keeps a Ctrl+C in the terminal that started the window from reaching the
child: the window decides how its runs stop.
"""
from __future__ import annotations

import os
import signal

from PySide6.QtCore import QObject, QProcess


def new_child(parent: QObject) -> QProcess:
    process = QProcess(parent)
    if os.name == "posix":
        params = QProcess.UnixProcessParameters()
        params.flags = QProcess.UnixProcessFlag.CreateNewSession
        process.setUnixProcessParameters(params)
    return process


def kill_group(process: QProcess) -> None:
    """SIGKILL the child and everything in its process group (elsewhere: the child)."""
    pid = int(process.processId())
    if os.name == "posix" and pid > 0:
        try:
            os.killpg(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            pass
    process.kill()

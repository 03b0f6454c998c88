"""A fresh Linux machine without Qt's X11 libraries gets the one command that installs them."""
from pathlib import Path

from app import cli, system_libraries
from app.system_libraries import debian_package, install_advice, missing_libraries, needs_xcb

LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f06)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-cursor.so.0 => not found
\tlibdbus-1.so.3 => /lib/x86_64-linux-gnu/libdbus-1.so.3 (0x00007f07)
"""


def test_missing_libraries_are_read_from_ldd_once_each():
    assert missing_libraries(Path("libqxcb.so"), LDD_MISSING) == ["libxcb-cursor.so.0",
                                                                  "libxcb-icccm.so.4"]
    assert missing_libraries(Path("libqxcb.so"), "\tlibc.so.6 => /lib/libc.so.6\n") == []


def test_debian_package_names_follow_the_soname():
    assert debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libdbus-1.so.3") == "libdbus-1-3"
    assert debian_package("libEGL.so.1") == "libegl1"
    assert debian_package("libxcb-keysyms.so.1.0.0") == "libxcb-keysyms1"


def test_only_the_x11_platform_on_linux_is_checked():
    assert needs_xcb({"DISPLAY": ":0"}, "linux")
    assert needs_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not needs_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not needs_xcb({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not needs_xcb({}, "darwin")


def test_advice_names_the_libraries_and_one_install_command():
    advice = install_advice({"DISPLAY": ":0"}, LDD_MISSING)
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in advice
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4\n" in advice
    assert install_advice({"DISPLAY": ":0"}, "\tlibc.so.6 => /lib/libc.so.6\n") is None
    assert install_advice({"QT_QPA_PLATFORM": "offscreen"}, LDD_MISSING) is None


def test_the_gui_command_prints_the_advice_and_exits_1_before_qt_starts(monkeypatch, capsys):
    monkeypatch.setattr(system_libraries, "install_advice",
                        lambda: "cannot open a window ... sudo apt-get install libxcb-cursor0")
    assert cli.main([]) == 1
    assert "sudo apt-get install libxcb-cursor0" in capsys.readouterr().err

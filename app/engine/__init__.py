"""The Qt-free training engine: the CLI, the tests and the GUI's child process share it."""

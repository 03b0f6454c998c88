"""The model hub without Qt: a workspace folder's models (project files), their runs,
the file operations on them (new, duplicate, rename, delete to the workspace's
trash, import) and the differences between the projects of runs.

The hub's window (app/panels/hub.py) only shows what this package reads and asks it
to change files; everything a person can get wrong here raises HubError, which
names the file or the name at fault.
"""

"""Live training statistics, runs and test results in the window (issue 11).

Qt-free: feed (the one reader of event lines), buffer, smoothing, history, overlay,
evaluation. Qt widgets: statistics_view (and its panels curves, preview, weights,
system), runs_list, testing_view (metrics_table, confusion, images_panel, comparison).
docs/stats.md says how the window wires them to the training child.
"""

"""The node-graph canvas: a Qt view of the graph document.

The scene observes the document and never changes it; every edit is an undo
command (commands.py) pushed by a gesture (interactions.py) or an editor action
(editor.py). canvas/ never imports app/.

A program that shows this canvas calls ``pyside_fix.make_none_immortal()`` first
(the GUI entry point, app.main_window's ``run_gui``, and the tests' conftest do).
"""

"""The node-graph canvas: a Qt view of the graph document.

The scene observes the document and never changes it; every edit is an undo
command (commands.py) pushed by a gesture (interactions.py) or an editor action
(editor.py). canvas/ never imports app/.
"""
from .pyside_fix import make_none_immortal

make_none_immortal()

"""The Qt-free core of U-Net Studio: what a model is made of.

Component types, the graph document, its JSON form and the compiler that turns a
graph into a torch.fx GraphModule. Nothing here imports Qt (an import-linter
contract in pyproject.toml keeps it so), so the CLI, the tests and a training worker
use it without a display.
"""

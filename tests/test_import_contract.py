"""Import rules: the model, data and engine code import no Qt (napari's rule), and no
module imports itself back through others. import-linter checks the static imports
and the layers in `make test`; these check what really gets loaded and every cycle
between single modules (import-linter's acyclic contract compares siblings only)."""
import subprocess
import sys

import grimp

from app.paths import ROOT

QT_FREE = ["components.catalog", "components.compiler", "components.serialize", "app.project",
           "app.cli", "app.engine.config", "app.data.spec"]

def test_core_modules_load_no_qt():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in QT_FREE) +
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'pyqtgraph'))\nprint(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of two or more modules (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == module:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in graph.modules:
                continue
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
            elif child in on_stack:
                low[module] = min(low[module], index[child])
    return groups


def test_no_module_imports_itself_back():
    """Type-checking-only imports count: they are what the reader follows too."""
    graph = grimp.build_graph("components", "canvas", "app", cache_dir=None)
    cycles = import_cycles(graph)
    assert cycles == [], f"import cycles: {cycles}"


def test_the_cycle_finder_finds_cycles():
    graph = grimp.ImportGraph()
    for name in ("a", "b", "c", "d"):
        graph.add_module(name)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    graph.add_import(importer="c", imported="a")
    graph.add_import(importer="c", imported="d")
    assert import_cycles(graph) == [["a", "b", "c"]]

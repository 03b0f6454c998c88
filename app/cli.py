"""The command line: ``python main.py [PROJECT]`` opens the GUI, sub-commands work headless.

Every command prints a clear error (file, node, setting) and exits non-zero on
bad input; no traceback reaches the person.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Sequence

from app.engine import commands as engine_commands
from app.export import command as export_command

from app.project import Project, load_project
from components.compiler import analyze, compile_graph
from components.errors import StudioError
from components.source import model_source

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def cmd_info(args: argparse.Namespace) -> int:
    """JSON: every node's output shape and parameter count, the total, the problems."""
    project = load_project(args.project)
    analysis = analyze(project.graph, count_parameters=True)
    nodes = [{"id": n.id, "type": n.type,
              "output_shape": list(analysis.shapes[n.id]) if n.id in analysis.shapes else None,
              "parameters": analysis.parameters.get(n.id),
              "errors": analysis.problems_of(n.id)} for n in project.graph.nodes]
    in_model = set(analysis.model_nodes)
    report = {"project": project.name, "file": str(project.path), "nodes": nodes,
              "total_parameters": sum(v for k, v in analysis.parameters.items() if k in in_model),
              "errors": [{"node": p.node_id, "message": p.message} for p in analysis.problems],
              "warnings": [{"node": p.node_id, "message": p.message} for p in analysis.warnings]}
    print(json.dumps(report, indent=2))
    for problem in analysis.problems:
        print(f"error: {problem}", file=sys.stderr)
    return EXIT_PROBLEMS if analysis.problems else EXIT_OK


def cmd_code(args: argparse.Namespace) -> int:
    """The generated PyTorch source of the model."""
    project = load_project(args.project)
    module = compile_graph(project.graph, device="meta")  # structure only, no weights
    print(model_source(module, f"{project.name} ({args.project})"), end="")
    return EXIT_OK


def cmd_data(args: argparse.Namespace) -> int:
    """JSON: the data scan (pairs, mask kind and evidence, classes, problems, notes);
    exit 1 when there are problems the project does not skip."""
    from app.data.report import scan_report
    from app.data.scan import ready_problems, scan

    project = load_project(args.project)
    dataset = scan(project.data, project.folder)
    problems = ready_problems(project, dataset)
    print(json.dumps(scan_report(dataset, problems), indent=2))
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return EXIT_PROBLEMS if problems else EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    from app.system_libraries import install_advice

    advice = install_advice()  # before Qt aborts with a message that names no package
    if advice:
        print(advice, file=sys.stderr)
        return EXIT_PROBLEMS
    from app.gui_start import run_gui  # Qt only when the GUI is asked for
    return run_gui(args.project)


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
    "info": (cmd_info, "print JSON with every node's output shape, parameters and errors"),
    "code": (cmd_code, "print the generated PyTorch source of the model"),
    "data": (cmd_data, "print JSON with the data scan: pairs, classes, problems, notes"),
    "train": (engine_commands.cmd_train, "train the project's model (or --resume a run)"),
    "eval": (engine_commands.cmd_eval, "print JSON metrics of a checkpoint on a split"),
    "predict": (engine_commands.cmd_predict, "write class-id masks and overlays for images"),
    "export": (export_command.cmd_export, "export a checkpoint as torch.export, ONNX or a "
               "standalone Python folder, checked against torch"),
}
ENGINE_COMMANDS = ("train", "eval", "predict")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py", description="U-Net Studio. Without a command, opens the GUI.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("project", help="project file (.json)")
        if name in ENGINE_COMMANDS:
            engine_commands.add_arguments(name, command)
        elif name == "export":
            export_command.add_arguments(command)
    return parser


def gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py", description="U-Net Studio: open the GUI (the Model hub when no "
        f"project is given). Commands: {', '.join(COMMANDS)}; see 'main.py COMMAND --help'.")
    parser.add_argument("project", nargs="?", help="project file (.json) to open")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    is_command = bool(argv) and argv[0] in COMMANDS
    parser = build_parser() if is_command else gui_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    handler = COMMANDS[args.command][0] if is_command else cmd_gui
    try:
        return handler(args)
    except StudioError as error:
        _print_error(error)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _print_error(error: StudioError) -> None:
    problems = getattr(error, "problems", None)
    path = getattr(error, "path", None)
    if problems:
        for problem in problems:
            print(f"error: {path + ': ' if path else ''}{problem}", file=sys.stderr)
    else:
        print(f"error: {error}", file=sys.stderr)

"""The house a newcomer reads: rooms by what they do, imports one way, functions one can hold."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from tests.support.paths import REPO

PACKAGE = REPO / "voicecoach"
# the top of the package: packages, and these few modules
TOP_MODULES = {"__init__", "__main__", "errors", "limits", "sources"}
# packages from the bottom up: each imports only those before it (and errors, limits)
LAYERS = (
    "files",
    "language",
    "speech",
    "routine",
    "timeline",
    "audio",
    "music",
    "workouts",
    "session",
    "programme",
    "squad",
    "sources",
    "serve",
    "templates",
    "help",
    "cli",
    "__main__",
)
MAX_FUNCTION_LINES = 60  # the body, docstring left out
# imports inside a function outside the CLI, each with its reason
LAZY = {
    # pyttsx3 may only be imported once ESPEAK_DATA_PATH points at the bundled espeak-ng
    "voicecoach.speech.registry -> voicecoach.speech.pyttsx3_engine",
    # Piper is optional (an extra), and its model runtime is heavy to import
    "voicecoach.speech.registry -> voicecoach.speech.piper_engine",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """The voicecoach modules `path` imports (a name imported from a package, as itself)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("voicecoach"):
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                found.add(dotted if dotted in MODULES else str(node.module))
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("voicecoach")}
    return found & set(MODULES)


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "voicecoach"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in `graph`, if it has one."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for after in sorted(graph.get(node, ())):
            if state.get(after) == 1:
                return [*stack[stack.index(after) :], after]
            if after not in state and (found := visit(after)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_top_holds_packages_and_a_few_modules() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert modules <= TOP_MODULES, modules - TOP_MODULES
    rooms = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    assert set(LAYERS) - {"sources", "__main__"} == rooms


def test_no_two_modules_share_a_name() -> None:
    names: dict[str, list[str]] = defaultdict(list)
    for module, path in MODULES.items():
        if path.name not in ("__init__.py", "__main__.py"):
            names[path.stem].append(module)
    assert {name: found for name, found in names.items() if len(found) > 1} == {}


def test_no_module_imports_in_a_circle() -> None:
    graph = {module: _imports(path) - {module} for module, path in MODULES.items()}
    assert _cycle(graph) is None


def test_rooms_import_one_way_down() -> None:
    order = {room: index for index, room in enumerate(LAYERS)}
    upward = []
    for module, path in MODULES.items():
        room = _room(module)
        for imported in _imports(path):
            other = _room(imported)
            if other in ("errors", "limits", "voicecoach") or other == room:
                continue
            if order[other] > order[room]:
                upward.append(f"{module} -> {imported}")
    assert upward == []


def test_no_module_imports_back_up_from_its_own_package() -> None:
    back_up = []
    for module, path in MODULES.items():
        if path.name == "__init__.py":
            continue
        package = module.rsplit(".", 1)[0]
        if package != "voicecoach" and package in _imports(path):
            back_up.append(f"{module} -> {package}")
    assert back_up == []


def test_only_the_command_line_imports_our_own_modules_inside_functions() -> None:
    """Function-local imports of voicecoach keep the CLI's start quick; elsewhere they would
    hide a circle."""
    hidden = []
    for module, path in MODULES.items():
        if _room(module) == "cli":
            continue
        inside = _imports(path) - _imports(path, top_level_only=True)
        hidden += [f"{module} -> {name}" for name in sorted(inside)]
    assert sorted(set(hidden) - LAZY) == []


def test_functions_are_short_enough_to_hold() -> None:
    long = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = node.body[0]
                documented = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                start = first.end_lineno + 1 if documented else first.lineno
                assert node.end_lineno is not None
                assert first.end_lineno is not None
                if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                    long.append(f"{module}.{node.name}")
    assert long == []


@pytest.mark.parametrize("folder", ["tests", "bench"])
def test_tests_and_benchmarks_import_helpers_never_each_other(folder: str) -> None:
    wrong = []
    for path in (REPO / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            if module.startswith("tests.") and not module.startswith("tests.support"):
                wrong.append(f"{path.name}: {module}")
            value = node.value if isinstance(node, ast.Attribute) else None
            if isinstance(value, ast.Name) and (value.id, node.attr) == ("sys", "path"):  # type: ignore[attr-defined]
                wrong.append(f"{path.name}: edits sys.path")
    assert wrong == []


def test_the_formats_a_session_is_written_in_are_one_list() -> None:
    from voicecoach.audio.encode import FORMATS
    from voicecoach.files.types import AUDIO_FORMATS, MEDIA_TYPES

    assert tuple(FORMATS) == AUDIO_FORMATS
    assert {fmt.suffix for fmt in FORMATS.values()} <= set(MEDIA_TYPES)

"""Arrows point inward. The rules are per folder, computed from the code's own imports:

    cli -> runtime, adapters -> core -> store -> domain

- ``domain`` imports only ``domain``, the standard library and its parsing libraries;
- ``store`` imports only ``store`` and ``domain`` (plus SQLAlchemy, Alembic and the SQLite driver
  aiosqlite, which ``bot.store.sqlite_driver`` extends);
- ``core`` imports no chat-platform or terminal library and nothing from ``cli``,
  ``runtime`` or ``adapters``;
- ``render`` (formulas as pictures; imported by ``core``, ``adapters`` and ``cli``) imports only
  ``render``, ``domain``, the standard library and its typesetting libraries;
- ``adapters`` reach the database only through the core, and import neither ``cli`` nor
  ``runtime``;
- nothing imports ``cli``;
- no two modules of ``bot`` import each other, directly or round a circle.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from bot.core import grammar
from bot.core.handlers import COMMANDS, Handler

BOT = Path(__file__).resolve().parent.parent / "bot"
PLATFORM_LIBRARIES = {"slack_bolt", "slack_sdk", "discord", "aiohttp", "rich", "typer"}
PARSING_LIBRARIES = {"pydantic", "yaml"}
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for path in sorted(BOT.rglob("*.py"))
    if "migrations" not in path.parts  # Alembic's scripts, run by Alembic
}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (also inside functions and TYPE_CHECKING).
    ``from bot.core import grammar`` counts as ``bot.core.grammar`` when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names}
            found = submodules & MODULES.keys()
            names |= found or {node.module}
            if found != submodules:
                names.add(node.module)
    return names


def bot_imports(module: str) -> set[str]:
    return {name for name in imported_modules(MODULES[module]) if name in MODULES}


def in_folder(folder: str) -> list[str]:
    return [m for m in MODULES if m == f"bot.{folder}" or m.startswith(f"bot.{folder}.")]


def violations(modules: Iterable[str], allowed: Callable[[str], bool]) -> list[str]:
    return [
        f"{module} imports {name}"
        for module in modules
        for name in sorted(imported_modules(MODULES[module]))
        if not allowed(name)
    ]


def is_bot(name: str, *folders: str) -> bool:
    return any(name == f"bot.{f}" or name.startswith(f"bot.{f}.") for f in folders)


def test_domain_imports_only_domain_the_standard_library_and_parsers() -> None:
    def allowed(name: str) -> bool:
        top = name.split(".")[0]
        return is_bot(name, "domain") or top in STDLIB or top in PARSING_LIBRARIES

    assert violations(in_folder("domain"), allowed) == []


def test_store_imports_only_store_and_domain() -> None:
    def allowed(name: str) -> bool:
        top = name.split(".")[0]
        if top == "bot":
            return is_bot(name, "store", "domain")
        return top in STDLIB or top in {"sqlalchemy", "alembic", "aiosqlite"}

    assert violations(in_folder("store"), allowed) == []


def test_core_imports_no_platform_library_and_nothing_outward() -> None:
    def allowed(name: str) -> bool:
        outward = is_bot(name, "cli", "runtime", "adapters")
        return not outward and name.split(".")[0] not in PLATFORM_LIBRARIES

    assert violations(in_folder("core"), allowed) == []


def test_render_imports_only_render_domain_and_its_typesetters() -> None:
    def allowed(name: str) -> bool:
        top = name.split(".")[0]
        if top == "bot":
            return is_bot(name, "render", "domain")
        return top in STDLIB or top in {"ziamath", "latex2mathml", "resvg_py", "matplotlib"}

    assert violations(in_folder("render"), allowed) == []


def test_adapters_reach_the_database_only_through_the_core() -> None:
    def allowed(name: str) -> bool:
        return not is_bot(name, "store", "cli", "runtime") and name.split(".")[0] != "sqlalchemy"

    assert violations(in_folder("adapters"), allowed) == []


def test_nothing_imports_the_cli() -> None:
    outside = [m for m in MODULES if not is_bot(m, "cli") and m != "bot.__main__"]
    assert violations(outside, lambda name: not is_bot(name, "cli")) == []


def test_the_top_of_bot_holds_only_packages() -> None:
    loose = sorted(p.name for p in BOT.glob("*.py") if p.name not in {"__init__.py", "__main__.py"})
    assert loose == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_among_bot_modules() -> None:
    graph = {module: bot_imports(module) for module in MODULES}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import discord\ndef f():\n    from slack_bolt.async_app import AsyncApp\n")
    assert imported_modules(sample) == {"discord", "slack_bolt.async_app"}


def test_no_module_is_over_400_lines() -> None:
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_every_command_the_grammar_knows_has_a_handler() -> None:
    assert set(COMMANDS) == set(grammar.Command.__args__)


@pytest.mark.parametrize("handler", sorted(COMMANDS.values(), key=lambda h: h.__qualname__))
def test_handlers_live_in_the_handlers_package(handler: Handler) -> None:
    assert handler.__module__.startswith("bot.core.handlers.")

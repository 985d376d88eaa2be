"""Arrows point inward: the core never imports a chat platform's library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
PLATFORM_LIBRARIES = ("slack_bolt", "slack_sdk", "discord", "aiohttp", "rich", "typer")
NEUTRAL = [
    *sorted((BOT / "core").rglob("*.py")),
    BOT / "schedule.py",
    BOT / "schedule_spec.py",
    BOT / "syllabus.py",
    BOT / "delivery.py",
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", NEUTRAL, ids=lambda p: str(p.relative_to(BOT)))
def test_neutral_modules_import_no_platform_or_terminal_library(path: Path) -> None:
    offending = {
        name for name in imported_modules(path) if name.split(".")[0] in PLATFORM_LIBRARIES
    }
    assert not offending, f"{path.relative_to(BOT)} imports {sorted(offending)}"


def test_core_does_not_import_adapters() -> None:
    for path in (BOT / "core").rglob("*.py"):
        assert not any(n.startswith("bot.adapters") for n in imported_modules(path)), path


def test_the_scan_would_catch_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import discord\nfrom slack_bolt.async_app import AsyncApp\n")
    assert imported_modules(sample) == {"discord", "slack_bolt.async_app"}


def test_adapters_reach_the_database_only_through_the_core() -> None:
    for path in (BOT / "adapters").rglob("*.py"):
        names = imported_modules(path)
        leaks = {n for n in names if n.startswith("bot.store") or n.split(".")[0] == "sqlalchemy"}
        assert not leaks, f"{path.relative_to(BOT)} imports {sorted(leaks)}"

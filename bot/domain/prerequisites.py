"""``requires``: the units of the same file a unit builds on. A name that is not a unit of the
file, or a circle of units each waiting for another, is an error: no group could follow it. A
unit listed before one it requires, a schedule plan or a track that leaves a prerequisite out,
are warnings: the file is usable, and its author may have meant it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.domain.datafile import YamlDocument
from bot.domain.problems import Problem

Loc = tuple[str | int, ...]


def _declared(data: Any) -> list[tuple[int, str, list[Any]]]:
    """``(index, id, requires)`` of each unit of a file as written, skipping what pydantic
    reports (a unit that is not a mapping, an id or a requires of the wrong shape)."""
    units = data.get("units") if isinstance(data, dict) else None
    found = []
    for index, unit in enumerate(units if isinstance(units, list) else []):
        if isinstance(unit, dict) and isinstance(unit.get("id"), str):
            requires = unit.get("requires")
            found.append((index, unit["id"], requires if isinstance(requires, list) else []))
    return found


def requires_problems(document: YamlDocument) -> list[Problem]:
    """Errors in the ``requires`` of a syllabus file: unknown ids, a unit requiring itself,
    and circles (each reported once, at the first unit of the file that is on it)."""
    declared = _declared(document.data)
    known = {unit_id for _, unit_id, _ in declared}
    problems = []
    edges: dict[str, list[str]] = {}
    where: dict[tuple[str, str], Loc] = {}
    for index, unit_id, requires in declared:
        for r, required in enumerate(requires):
            if not isinstance(required, str):
                continue
            loc: Loc = ("units", index, "requires", r)
            if required == unit_id:
                problems.append(document.problem(loc, "a unit cannot require itself"))
            elif required not in known:
                hint = difflib.get_close_matches(required, sorted(known), n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                problems.append(
                    document.problem(
                        loc,
                        f"no unit {required!r} in this file{suffix}; requires names units "
                        "of the same file",
                    )
                )
            else:
                edges.setdefault(unit_id, []).append(required)
                where.setdefault((unit_id, required), loc)
    order = [unit_id for _, unit_id, _ in declared]
    for cycle in find_cycles(order, edges):
        path = " -> ".join([*cycle, cycle[0]])
        problems.append(
            document.problem(
                where[(cycle[0], cycle[1 % len(cycle)])],
                f"units require each other in a circle: {path}; remove one of these requires",
            )
        )
    return problems


def find_cycles(order: Sequence[str], edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Each circle of ``edges`` once, starting at its unit that comes first in ``order``."""
    position = {unit_id: n for n, unit_id in enumerate(order)}
    seen: set[frozenset[str]] = set()
    cycles = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in edges.get(node, ()):
            if nxt in path:
                cycle = path[path.index(nxt) :]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    first = min(range(len(cycle)), key=lambda i: position.get(cycle[i], 0))
                    cycles.append(cycle[first:] + cycle[:first])
            elif nxt not in done:
                visit(nxt, [*path, nxt])
        done.add(node)

    for start in order:
        if start not in done:
            visit(start, [start])
    return cycles


class Prerequisite:
    """Unit ids with what each requires, for checking an order of reading."""

    def __init__(self, units: Iterable[tuple[str, Sequence[str]]]) -> None:
        self.requires = {unit_id: tuple(required) for unit_id, required in units}

    def missing_before(self, sequence: Sequence[Sequence[str]]) -> list[tuple[int, int, str]]:
        """For a reading order given as meetings of unit ids: ``(meeting, position, required)``
        for each unit whose requirement is not read before it (or earlier in the same meeting)."""
        read: set[str] = set()
        missing = []
        for m, meeting in enumerate(sequence):
            for p, unit_id in enumerate(meeting):
                for required in self.requires.get(unit_id, ()):
                    if required not in read:
                        missing.append((m, p, required))
                read.add(unit_id)
        return missing


def order_warnings(units: Sequence[Any], document: YamlDocument) -> list[Problem]:
    """A unit listed before a unit it requires: the group would meet it out of order."""
    position = {unit.id: n for n, unit in enumerate(units)}
    warnings = []
    for u, unit in enumerate(units):
        for r, required in enumerate(unit.requires):
            if position.get(required, -1) > u:
                warnings.append(
                    document.problem(
                        ("units", u, "requires", r),
                        f"{unit.id!r} is listed before {required!r}, which it requires; "
                        f"move {required!r} up or {unit.id!r} down",
                    )
                )
    return warnings

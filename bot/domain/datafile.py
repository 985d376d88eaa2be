"""Reading the YAML files people write (syllabi, schedules) and reporting their mistakes.

Every problem is reported as ``FILE:LINE:COLUMN: field.path: what is wrong`` so that editors and
terminals can jump to it, and all problems of a file are reported at once (``Problem``,
``DataFileError`` and ``report`` live in ``bot.domain.problems`` and are offered here too).

The YAML dialect is deliberately strict and boring (close to YAML 1.2's core schema): dates and
times stay strings until the models parse them (so ``2026-02-30`` gets a clear sentence), ``25:00``
is not a base-60 integer, and only ``true``/``false`` are booleans (``no`` stays the string "no").
The same reader takes files members upload in chat, so it also refuses what a hostile file could
use: more than 1 MiB, nesting deeper than ``MAX_DEPTH``, anchors and aliases (``&a``/``*a``, the
"billion laughs"), merge keys (``<<``) and tags (``!x``). Depth is counted while the document is
composed, before the parser's recursion could get deep.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.events import AliasEvent, CollectionStartEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.domain.explain import Found, clean_loc, explain, unknown_key
from bot.domain.problems import MAX_FILE_BYTES, DataFileError, Problem
from bot.domain.problems import report as report
from bot.domain.yaml_wording import syntax_sentence

MAX_NODES = 200_000  # a 1 MiB file cannot hold more values than this
MAX_DEPTH = 20  # a syllabus needs 5 levels (units > readings > fields); deeper is a mistake

Loc = tuple[str | int, ...]
_MERGE = "tag:yaml.org,2002:merge"


def format_loc(loc: Loc) -> str:
    """``("units", 2, "questions")`` -> ``units[2].questions``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


class _Refused(Exception):
    """Something this dialect does not allow, at a place in the file."""

    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.line, self.column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        self.message = message


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like implicit types and the limits of the module docstring."""

    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or (
            isinstance(event, NodeEvent) and event.anchor is not None
        ):
            raise _Refused(
                event.start_mark,
                "anchors and aliases (&name, *name) are not allowed; write the value out in full",
            )
        if getattr(event, "tag", None) is not None:
            raise _Refused(
                event.start_mark,
                "tags (words starting with !, such as !!str) are not allowed; "
                'write the plain value, in quotes for text (e.g. "2.10")',
            )
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(
                    event.start_mark,
                    f"lists and mappings are nested more than {MAX_DEPTH} levels deep here; "
                    "a syllabus or schedule needs at most 5",
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_DROPPED = {"timestamp", "int", "float", "bool"}
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag.rsplit(":", 1)[-1] not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


@dataclass
class YamlDocument:
    """Parsed data plus where each value and key stood in the file (1-based line, column), and
    each single value's text exactly as written (``2.10`` stays "2.10" there)."""

    file: str
    data: Any
    value_at: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_at: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    written_at: dict[Loc, str] = field(default_factory=dict)

    def problem(self, loc: Loc, message: str, *, at_key: bool = False) -> Problem:
        """A problem at ``loc``, placed at the nearest position the file has for it."""
        table = self.key_at if at_key and loc in self.key_at else self.value_at
        probe = loc
        while probe and probe not in table:
            probe = probe[:-1]
        line, column = table.get(probe, self.value_at.get((), (1, 1)))
        return Problem(self.file, line, column, format_loc(loc), message)


def read_yaml(
    path: Path, *, max_bytes: int = MAX_FILE_BYTES, display_name: str | None = None
) -> YamlDocument:
    """Read one YAML document, or raise DataFileError saying exactly what is wrong."""
    name = display_name or str(path)

    def fail(message: str) -> DataFileError:
        return DataFileError([Problem(name, 1, 1, "file", message)])

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as exc:
        raise fail(f"cannot be read: {exc.strerror}") from None
    if path.is_dir():
        raise fail("is a folder, not a file")
    if size > max_bytes:
        raise fail(_too_big(size, max_bytes))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot be read: {exc.strerror}") from None
    return parse_yaml(raw, name=name, max_bytes=max_bytes)


def parse_yaml(raw: bytes, *, name: str, max_bytes: int = MAX_FILE_BYTES) -> YamlDocument:
    """Parse YAML bytes into a YamlDocument with positions, or raise DataFileError."""
    if len(raw) > max_bytes:
        raise DataFileError([Problem(name, 1, 1, "file", _too_big(len(raw), max_bytes))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataFileError(
            [Problem(name, line, column, "file", "is not UTF-8 text (save it as UTF-8)")]
        ) from None
    if "\x00" in text:
        raise DataFileError([Problem(name, 1, 1, "file", "contains NUL bytes; is it a text file?")])

    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise DataFileError([Problem(name, 1, 1, "file", "is empty")])
        document = YamlDocument(file=name, data=None)
        duplicates = _index(loader, node, (), document, budget=[MAX_NODES])
        document.data = loader.construct_document(node)
    except _Refused as exc:
        raise DataFileError([Problem(name, exc.line, exc.column, "yaml", exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        sentence = syntax_sentence(exc.context, exc.problem)
        raise DataFileError([Problem(name, line, column, "yaml", sentence)]) from None
    except (yaml.YAMLError, RecursionError):
        # Not expected past the limits above; still a sentence, never a traceback.
        sentence = syntax_sentence(None, None)
        raise DataFileError([Problem(name, 1, 1, "yaml", sentence)]) from None
    finally:
        loader.dispose()
    if duplicates:
        raise DataFileError(
            Problem(name, line, column, format_loc(loc), "key appears twice in the same mapping")
            for loc, (line, column) in duplicates
        )
    return document


def _index(
    loader: yaml.SafeLoader, node: Node, loc: Loc, doc: YamlDocument, *, budget: list[int]
) -> list[tuple[Loc, tuple[int, int]]]:
    """Record positions of every value and key below ``node``; return duplicate keys."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _Refused(node.start_mark, "the file holds too many values")
    doc.value_at.setdefault(loc, (node.start_mark.line + 1, node.start_mark.column + 1))
    duplicates: list[tuple[Loc, tuple[int, int]]] = []
    if isinstance(node, ScalarNode):
        doc.written_at.setdefault(loc, node.value)
    elif isinstance(node, MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                raise _Refused(
                    key_node.start_mark,
                    "merge keys (<<) are not allowed; write the keys out in full",
                )
            if not isinstance(key_node, ScalarNode):
                raise _Refused(
                    key_node.start_mark, "a key must be a single name, not a list or mapping"
                )
            key = loader.construct_object(key_node, deep=True)
            child = (*loc, key if isinstance(key, str | int) else str(key))
            key_position = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in seen:
                duplicates.append((child, key_position))
            seen.add(key)
            doc.key_at.setdefault(child, key_position)
            duplicates += _index(loader, value_node, child, doc, budget=budget)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            duplicates += _index(loader, item, (*loc, index), doc, budget=budget)
    return duplicates


def _too_big(size: int, limit: int) -> str:
    return f"is {_human_size(size)}; files larger than {_human_size(limit)} are refused"


def _human_size(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}".replace(".0 ", " ")
        size /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


def validate(
    model: type[BaseModel], document: YamlDocument, *, context: Mapping[str, Any] | None = None
) -> Any:
    """Validate ``document.data`` as ``model``; raise DataFileError listing every problem."""
    try:
        return model.model_validate(document.data, context=dict(context or {}))
    except ValidationError as exc:
        raise DataFileError(problems_from(exc, document, model)) from None


def problems_from(
    exc: ValidationError, document: YamlDocument, model: type[BaseModel]
) -> list[Problem]:
    """The model's errors as plain sentences at the line and column of the YAML that caused them
    (the wording is ``bot.domain.explain``'s table)."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = clean_loc(error["loc"])
        if error["type"] in ("extra_forbidden", "invalid_key"):  # invalid: `1: x`, not a name
            problem = document.problem(loc, unknown_key(model, loc), at_key=True)
            named = (*loc[:-1], str(loc[-1])) if loc else loc
            problems.append(dataclasses.replace(problem, path=format_loc(named)))
            continue
        found = Found(
            loc=loc,
            value=error.get("input"),
            written=document.written_at.get(loc),
            ctx=error.get("ctx") or {},
            model=model,
        )
        problems.append(document.problem(loc, explain(error["type"], found)))
    return problems

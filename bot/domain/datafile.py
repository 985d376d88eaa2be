"""Reading the YAML files people write (syllabi, schedules) and reporting their mistakes.

Every problem is reported as ``FILE:LINE:COLUMN: field.path: what is wrong`` so that editors and
terminals can jump to it, and all problems of a file are reported at once (``Problem``,
``DataFileError`` and ``report`` live in ``bot.domain.problems`` and are offered here too).

The YAML dialect is deliberately strict and boring (close to YAML 1.2's core schema): dates and
times stay strings until pydantic parses them (so ``2026-02-30`` is a clear error instead of a
crash inside the YAML library), ``25:00`` is not a base-60 integer, and only ``true``/``false`` are
booleans (``no`` stays the string "no").
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, SequenceNode

# Problems are defined apart (no yaml, no pydantic), for code that only catches or reports them.
from bot.domain.problems import MAX_FILE_BYTES, DataFileError, Problem
from bot.domain.problems import report as report

MAX_NODES = 200_000  # guards against alias bombs ("billion laughs")

Loc = tuple[str | int, ...]


def format_loc(loc: Loc) -> str:
    """``("units", 2, "questions")`` -> ``units[2].questions``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like implicit types (see the module docstring)."""


_StrictLoader.yaml_implicit_resolvers = {}
for _first, _resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
    _kept = [
        (tag, regexp)
        for tag, regexp in _resolvers
        if tag
        not in {
            "tag:yaml.org,2002:timestamp",
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:bool",
        }
    ]
    _StrictLoader.yaml_implicit_resolvers[_first] = _kept
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
    """Parsed data plus where each value and key stood in the file (1-based line, column)."""

    file: str
    data: Any
    value_at: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_at: dict[Loc, tuple[int, int]] = field(default_factory=dict)

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

    def fail(message: str, line: int = 1, column: int = 1, where: str = "file") -> DataFileError:
        return DataFileError([Problem(name, line, column, where, message)])

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as exc:
        raise fail(f"cannot be read: {exc.strerror}") from None
    if path.is_dir():
        raise fail("is a folder, not a file")
    if size > max_bytes:
        raise fail(
            f"is {_human_size(size)}; files larger than {_human_size(max_bytes)} are refused"
        )
    return parse_yaml(path.read_bytes(), name=name)


def parse_yaml(raw: bytes, *, name: str) -> YamlDocument:
    """Parse YAML bytes (already size-checked) into a YamlDocument with positions."""
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
        duplicates = _index(loader, node, (), document, budget=[MAX_NODES], ancestors=set())
        document.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        raise DataFileError([Problem(name, line, column, "yaml", message)]) from None
    except yaml.YAMLError as exc:
        raise DataFileError([Problem(name, 1, 1, "yaml", str(exc))]) from None
    except _TooLarge:
        raise DataFileError(
            [Problem(name, 1, 1, "yaml", "document expands to too many values (alias bomb?)")]
        ) from None
    except _Recursive as exc:
        raise DataFileError(
            [Problem(name, exc.line, exc.column, "yaml", "an alias refers to itself")]
        ) from None
    finally:
        loader.dispose()
    if duplicates:
        raise DataFileError(
            Problem(name, line, column, format_loc(loc), "key appears twice in the same mapping")
            for loc, (line, column) in duplicates
        )
    return document


class _TooLarge(Exception):
    pass


class _Recursive(Exception):
    def __init__(self, node: Node) -> None:
        self.line, self.column = node.start_mark.line + 1, node.start_mark.column + 1


def _index(
    loader: yaml.SafeLoader,
    node: Node,
    loc: Loc,
    doc: YamlDocument,
    *,
    budget: list[int],
    ancestors: set[int],
) -> list[tuple[Loc, tuple[int, int]]]:
    """Record positions of every value and key below ``node``; return duplicate keys."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if id(node) in ancestors:
        raise _Recursive(node)
    doc.value_at.setdefault(loc, (node.start_mark.line + 1, node.start_mark.column + 1))
    duplicates: list[tuple[Loc, tuple[int, int]]] = []
    ancestors = ancestors | {id(node)}
    if isinstance(node, MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                continue
            child = (*loc, key if isinstance(key, str | int) else str(key))
            key_position = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in seen:
                duplicates.append((child, key_position))
            seen.add(key)
            doc.key_at.setdefault(child, key_position)
            duplicates += _index(loader, value_node, child, doc, budget=budget, ancestors=ancestors)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            duplicates += _index(
                loader, item, (*loc, index), doc, budget=budget, ancestors=ancestors
            )
    return duplicates


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
    """pydantic's errors as problems at the line and column of the YAML that caused them."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = _clean_loc(error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1]) if loc else ""
            allowed = _allowed_keys(model, loc[:-1])
            hint = difflib.get_close_matches(key, allowed, n=1)
            message = f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            if not hint and allowed:
                message += f"; allowed keys: {', '.join(sorted(allowed))}"
            problems.append(document.problem(loc, message, at_key=True))
        elif kind == "missing":
            problems.append(document.problem(loc, "required but missing"))
        else:
            message = error["msg"]
            message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
            if message[1:2].islower():
                message = message[:1].lower() + message[1:]
            problems.append(document.problem(loc, message))
    return problems


def _clean_loc(loc: Sequence[str | int]) -> Loc:
    # pydantic adds the name of a union member or a function validator to loc; drop those.
    return tuple(
        p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))
    )


def _allowed_keys(model: Any, loc: Loc) -> list[str]:
    """The keys a mapping at ``loc`` may have, found by walking the model's annotations."""
    current: Any = model
    for part in (*loc, None):
        current = _unwrap(current, part)
        if current is None:
            return []
        if part is None:
            break
        if isinstance(part, str):
            fields = getattr(current, "model_fields", None)
            if not fields or part not in fields:
                return []
            current = fields[part].annotation
    fields = getattr(current, "model_fields", None)
    return [info.alias or name for name, info in fields.items()] if fields else []


def _unwrap(annotation: Any, part: str | int | None) -> Any:
    """Strip Optional/Annotated/list/tuple wrappers until a model (or nothing) remains."""
    for _ in range(8):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin is typing.Annotated:
            annotation = args[0]
        elif origin in (list, tuple) or origin is Sequence:
            if not isinstance(part, int):
                return None
            annotation, part = args[0], None
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else (args[0] if args else None)
        else:
            return None
    return None

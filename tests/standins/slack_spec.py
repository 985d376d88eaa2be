"""Checking a Web API call against Slack's own description (tests/specs/slack_web_openapi_v2.json).

Argument names, required arguments and types are checked; the HTTP verb is not (the spec lists
some methods as GET although every SDK sends POST). A value may arrive typed (a JSON body) or
as text (a query string or a form); both are checked for the declared type.

The spec is a 2020 snapshot. What it lacks is added here from Slack's reference today
(docs.slack.dev/reference/methods), so that calls to it are still checked (all but Socket
Mode's); tests/specs/README.md lists the gaps:
- ``apps.connections.open`` (Socket Mode) is missing altogether (``MISSING_METHODS``: unchecked);
- the current file upload flow, ``files.getUploadURLExternal`` and
  ``files.completeUploadExternal`` (which replaced files.upload), is missing: ``SUPPLEMENT``
  declares their arguments (names, types, required ones), ``SUPPLEMENT_SCOPES`` their scope
  (``files:write``);
- bolt adds ``team_id`` to calls it makes on a team's behalf (``NOT_IN_SPEC``);
- message metadata (``metadata`` on chat.postMessage, ``include_all_metadata`` on the history
  methods) arrived in 2022 (``NOT_IN_SPEC``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC = Path(__file__).resolve().parent.parent / "specs" / "slack_web_openapi_v2.json"

MISSING_METHODS = frozenset({"apps.connections.open"})
NOT_IN_SPEC: dict[str, dict[str, str]] = {
    "*": {"team_id": "string"},
    "chat.postMessage": {"metadata": "object"},
    "conversations.history": {"include_all_metadata": "boolean"},
    "conversations.replies": {"include_all_metadata": "boolean"},
}
# Arguments whose text is JSON, and what it must decode to (Slack answers invalid_arguments).
JSON_ARGUMENTS: dict[str, type] = {
    "blocks": list,
    "attachments": list,
    "view": dict,
    "metadata": dict,
    "files": list,  # files.completeUploadExternal: [{"id": "F...", "title": "..."}]
}


@dataclass(frozen=True)
class Parameter:
    """One argument of a Web API method as Slack's description declares it."""

    name: str
    type: str  # string, boolean, integer, number (from the spec), object (NOT_IN_SPEC)
    required: bool


def _declared(*parameters: tuple[str, str, bool]) -> dict[str, Parameter]:
    return {name: Parameter(name, kind, required) for name, kind, required in parameters}


# Methods newer than the spec, as Slack's reference declares them today. Slack documents
# ``files`` as an array and ``blocks`` as a string; both travel as JSON text (JSON_ARGUMENTS).
SUPPLEMENT: dict[str, dict[str, Parameter]] = {
    "files.getUploadURLExternal": _declared(
        ("token", "string", True),
        ("filename", "string", True),
        ("length", "integer", True),
        ("alt_txt", "string", False),
        ("snippet_type", "string", False),
    ),
    "files.completeUploadExternal": _declared(
        ("token", "string", True),
        ("files", "string", True),
        ("channel_id", "string", False),
        ("channels", "string", False),
        ("initial_comment", "string", False),
        ("thread_ts", "string", False),
        ("blocks", "string", False),
    ),
}
SUPPLEMENT_SCOPES: dict[str, frozenset[str]] = {
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
}


@cache
def methods() -> dict[str, dict[str, Parameter]]:
    data = json.loads(SPEC.read_text(encoding="utf-8"))
    found: dict[str, dict[str, Parameter]] = {}
    for path, operations in data["paths"].items():
        for operation in operations.values():
            found[path.lstrip("/")] = {
                p["name"]: Parameter(p["name"], p.get("type", "string"), bool(p.get("required")))
                for p in operation.get("parameters", [])
            }
    return found | SUPPLEMENT


@cache
def scopes_of(method: str) -> frozenset[str]:
    """The scopes the spec lists for ``method`` (any one of them will do)."""
    if method in SUPPLEMENT_SCOPES:
        return SUPPLEMENT_SCOPES[method]
    data = json.loads(SPEC.read_text(encoding="utf-8"))
    for operations in data["paths"].get(f"/{method}", {}).values():
        return frozenset(
            scope
            for entry in operations.get("security", [])
            for scope in entry.get("slackAuth", [])
        )
    return frozenset()


_INTEGER = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _type_problem(kind: str, value: Any, *, typed: bool) -> str | None:
    if not typed:  # text from a query string or a form
        if kind == "boolean" and value not in ("true", "false", "1", "0"):
            return "is not a boolean"
        if kind == "integer" and not _INTEGER.match(value):
            return "is not an integer"
        if kind == "number" and not _NUMBER.match(value):
            return "is not a number"
        if kind == "object":
            try:
                parsed = json.loads(value)
            except ValueError:
                return "is not JSON"
            return None if isinstance(parsed, dict) else "is not a JSON object"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else "is not a boolean"
    if kind == "integer":
        return (
            None if isinstance(value, int) and not isinstance(value, bool) else "is not an integer"
        )
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return (
            None if ok or (isinstance(value, str) and _NUMBER.match(value)) else "is not a number"
        )
    if kind == "object":
        return None if isinstance(value, dict) else "is not an object"
    # A string argument may be sent as structured JSON in a JSON body (blocks, view, ...).
    return None if isinstance(value, str | list | dict) else "is not a string"


def _json_problem(name: str, value: Any) -> str | None:
    wanted = JSON_ARGUMENTS.get(name)
    if wanted is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return f"{name} is not valid JSON"
    return None if isinstance(value, wanted) else f"{name} must be a JSON {wanted.__name__}"


def check_call(method: str, arguments: list[tuple[str, Any, bool]], *, bearer: bool) -> list[str]:
    """Problems with one call; ``arguments`` are (name, value, typed) and ``bearer`` says
    whether an Authorization header carried a token."""
    if method in MISSING_METHODS:
        return []
    spec = methods().get(method)
    if spec is None:
        return [f"{method}: no such method in Slack's Web API"]
    extra = {**NOT_IN_SPEC.get("*", {}), **NOT_IN_SPEC.get(method, {})}
    problems: list[str] = []
    given = {name for name, _, _ in arguments}
    for name, value, typed in arguments:
        parameter = spec.get(name)
        kind = parameter.type if parameter is not None else extra.get(name)
        if kind is None:
            problems.append(f"{method}: unknown argument {name!r}")
            continue
        if (problem := _type_problem(kind, value, typed=typed)) is not None:
            problems.append(f"{method}: {name}={value!r} {problem} ({kind})")
        if (problem := _json_problem(name, value)) is not None:
            problems.append(f"{method}: {problem}")
    for parameter in spec.values():
        if not parameter.required or parameter.name in given:
            continue
        if parameter.name == "token" and bearer:
            continue
        problems.append(f"{method}: missing required argument {parameter.name!r}")
    return problems

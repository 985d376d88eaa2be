"""Checking an HTTP request against Discord's own API description (tests/specs/discord_openapi.json).

The route and method must exist in the spec, each query parameter must be declared for it,
and the JSON body (or a multipart request's ``payload_json``) must be valid against the
operation's request schema. The schema keywords the spec uses are implemented here (``$ref``,
``type``, ``enum``, ``const``, ``properties``, ``required``, ``additionalProperties``, ``items``,
the length, size and range limits, ``pattern``, ``allOf``, ``anyOf``, ``oneOf``), with one
deliberate strictness: an object may only carry properties its schema names, so a misspelt or
invented field is a violation, not silently ignored as JSON Schema would by default.

The spec is a snapshot and discord.py predates parts of it. What discord.py itself sends that
the spec does not describe, and Discord accepts, is listed in ``LIBRARY_EXTRAS`` (and still
type-checked where a type is known); nothing studybot writes is exempt:
- ``Embed.to_dict()`` always includes ``flags`` (0);
- application commands carry ``nsfw``, a documented command field the spec lacks;
- a message always carries ``tts`` (also in an edit, and in a forum post's first message), and
  a forum post is created with ``type`` 11 and the query ``use_nested_fields=1``;
- some ids go out as JSON numbers (``recipient_id`` when opening a DM), which Discord accepts
  as it accepts every snowflake, while the spec types snowflakes as strings only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC = Path(__file__).resolve().parent.parent / "specs" / "discord_openapi.json"

LIBRARY_EXTRAS: dict[str, dict[str, dict[str, Any]]] = {
    "RichEmbed": {"flags": {"type": "integer"}},
    "ApplicationCommandUpdateRequest": {"nsfw": {"type": ["boolean", "null"]}},
    "MessageEditRequestPartial": {"tts": {"type": "boolean"}},
    "IncomingWebhookUpdateRequestPartial": {"tts": {"type": "boolean"}},
    "BaseCreateMessageCreateRequest": {"tts": {"type": "boolean"}},
    "CreateForumThreadRequest": {"type": {"const": 11}},
}
LIBRARY_QUERY_EXTRAS: dict[str, frozenset[str]] = {
    "/channels/{channel_id}/threads": frozenset({"use_nested_fields"}),
}


@dataclass(frozen=True)
class Operation:
    """One HTTP operation of Discord's API description: its path template, method and schema."""

    template: str  # "/channels/{channel_id}/messages"
    method: str
    spec: dict[str, Any]
    parameters: frozenset[str]  # declared query parameters

    def body_schema(self, content_type: str) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        chosen = content.get("application/json") if content_type != "none" else None
        return chosen.get("schema") if chosen else None

    @property
    def takes_body(self) -> bool:
        return "requestBody" in self.spec


class DiscordSpec:
    """Discord's API description: finds a request's operation and checks the request against it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._routes: list[tuple[re.Pattern[str], str, int]] = []
        for template in document["paths"]:
            pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
            literal = len(re.sub(r"\{[^}]+\}", "", template))
            self._routes.append((re.compile(f"^{pattern}$"), template, literal))
        self._routes.sort(key=lambda route: -route[2])  # literal segments win over parameters

    def operation(self, method: str, path: str) -> Operation | None:
        for pattern, template, _ in self._routes:
            if pattern.match(path):
                item = self.document["paths"][template]
                spec = item.get(method.lower())
                if spec is None:
                    return None
                declared = [*item.get("parameters", []), *spec.get("parameters", [])]
                names = frozenset(
                    p["name"]
                    for p in (self._resolve(x) for x in declared)
                    if p.get("in") == "query"
                )
                extras = LIBRARY_QUERY_EXTRAS.get(template, frozenset())
                return Operation(template, method.upper(), spec, names | extras)
        return None

    def check(
        self, method: str, path: str, query: dict[str, str], body: Any, *, has_body: bool
    ) -> list[str]:
        """Violations of the spec by one request (an empty list when it is valid)."""
        operation = self.operation(method, path)
        where = f"{method} {path}"
        if operation is None:
            return [f"{where}: no such operation in the Discord API"]
        problems = [
            f"{where}: query parameter {name!r} is not declared"
            for name in query
            if name not in operation.parameters
        ]
        schema = operation.body_schema("json")
        if has_body and schema is None:
            problems.append(f"{where}: this operation takes no JSON body")
        elif schema is not None and has_body:
            problems += [f"{where}: {p}" for p in self.validate(body, schema, "body")]
        elif schema is not None and operation.spec["requestBody"].get("required"):
            problems.append(f"{where}: the body is required")
        return problems

    # --- JSON Schema ----------------------------------------------------------------------------

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def _names(self, schema: dict[str, Any]) -> set[str]:
        """Property names a schema (with its allOf parts) declares."""
        schema = self._resolve(schema)
        names = set(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            names |= self._names(part)
        return names

    def validate(
        self, value: Any, schema: dict[str, Any], at: str, known: frozenset[str] = frozenset()
    ) -> list[str]:
        schema = self._resolve(schema)
        problems: list[str] = []
        if "type" in schema and not _has_type(value, schema["type"]):
            return [f"{at}: {value!r:.60} is not of type {schema['type']}"]
        if "const" in schema and value != schema["const"]:
            return [f"{at}: {value!r:.60} is not {schema['const']!r}"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{at}: {value!r:.60} is not one of {schema['enum']}"]
        if isinstance(value, str):
            problems += _string(value, schema, at)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            problems += _number(value, schema, at)
        if isinstance(value, list):
            problems += self._array(value, schema, at)
        own = frozenset(self._names(schema)) | known
        if isinstance(value, dict):
            problems += self._object(value, schema, at, own)
        for part in schema.get("allOf", []):
            problems += self.validate(value, part, at, own)
        for word in ("anyOf", "oneOf"):
            if word in schema:
                passing = [
                    b
                    for b in schema[word]
                    if not self.validate(value, b, at, own if own else known)
                ]
                if not passing:
                    details = [self.validate(value, b, at, own) for b in schema[word]]
                    best = min(details, key=len)
                    problems.append(f"{at}: matches none of {word}; closest: {best[:3]}")
                elif word == "oneOf" and len(passing) > 1:
                    problems.append(f"{at}: matches {len(passing)} of oneOf, not exactly one")
        return problems

    def _array(self, value: list[Any], schema: dict[str, Any], at: str) -> list[str]:
        problems = []
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{at}: {len(value)} items, at most {schema['maxItems']}")
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(f"{at}: {len(value)} items, at least {schema['minItems']}")
        if schema.get("uniqueItems"):
            seen = [json.dumps(v, sort_keys=True) for v in value]
            if len(set(seen)) != len(seen):
                problems.append(f"{at}: items are not unique")
        if "items" in schema:
            for n, item in enumerate(value):
                problems += self.validate(item, schema["items"], f"{at}[{n}]")
        return problems

    def _object(
        self, value: dict[str, Any], schema: dict[str, Any], at: str, known: frozenset[str]
    ) -> list[str]:
        problems = [
            f"{at}: {name!r} is required"
            for name in schema.get("required", [])
            if name not in value
        ]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in properties:
                problems += self.validate(item, properties[name], f"{at}.{name}")
            elif isinstance(extra, dict):
                problems += self.validate(item, extra, f"{at}.{name}")
            elif extra is False or (extra is None and known and name not in known):
                problems.append(f"{at}: {name!r} is not a property the spec declares")
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            problems.append(f"{at}: more than {schema['maxProperties']} properties")
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            problems.append(f"{at}: fewer than {schema['minProperties']} properties")
        return problems


def _has_type(value: Any, expected: str | list[str]) -> bool:
    kinds = [expected] if isinstance(expected, str) else expected
    checks = {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }
    return any(checks.get(kind, False) for kind in kinds)


def _string(value: str, schema: dict[str, Any], at: str) -> list[str]:
    problems = []
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        problems.append(f"{at}: {len(value)} characters, at most {schema['maxLength']}")
    if "minLength" in schema and len(value) < schema["minLength"]:
        problems.append(f"{at}: {len(value)} characters, at least {schema['minLength']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        problems.append(f"{at}: {value!r:.60} does not match {schema['pattern']}")
    return problems


def _number(value: float, schema: dict[str, Any], at: str) -> list[str]:
    problems = []
    if "minimum" in schema and value < schema["minimum"]:
        problems.append(f"{at}: {value} is below {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        problems.append(f"{at}: {value} is above {schema['maximum']}")
    return problems


def _with_library_extras(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document["components"]["schemas"]
    for name, extras in LIBRARY_EXTRAS.items():
        schemas[name]["properties"] = {**schemas[name]["properties"], **extras}
    schemas["SnowflakeType"] = {**schemas["SnowflakeType"], "type": ["string", "integer"]}
    return document


@cache
def discord_spec() -> DiscordSpec:
    return DiscordSpec(_with_library_extras(json.loads(SPEC.read_text(encoding="utf-8"))))

"""Block Kit as Slack checks it: the stand-in answers ``invalid_blocks`` where Slack would.

Not every rule, but the ones a renderer breaks in practice: known block types, text objects,
the length limits of headers, sections, fields, buttons and views, unique action ids.
"""

from __future__ import annotations

from typing import Any

TEXT_TYPES = ("plain_text", "mrkdwn")


def _text(value: Any, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(value, dict) or value.get("type") not in TEXT_TYPES:
        return [f"{where}: not a text object"]
    if plain_only and value["type"] != "plain_text":
        return [f"{where}: must be plain_text"]
    text = value.get("text")
    if not isinstance(text, str) or not text:
        return [f"{where}: empty text"]
    if len(text) > limit:
        return [f"{where}: {len(text)} characters, more than {limit}"]
    return []


def _button(element: Any, where: str, action_ids: set[str]) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "button":
        return [f"{where}: only buttons are expected here"]
    problems = _text(element.get("text"), f"{where}.text", 75, plain_only=True)
    action_id = element.get("action_id", "")
    if not isinstance(action_id, str) or not action_id or len(action_id) > 255:
        problems.append(f"{where}: bad action_id {action_id!r}")
    elif action_id in action_ids:
        problems.append(f"{where}: action_id {action_id!r} is not unique")
    action_ids.add(action_id)
    if len(str(element.get("value", ""))) > 2000:
        problems.append(f"{where}: value longer than 2000")
    if element.get("style") not in (None, "primary", "danger"):
        problems.append(f"{where}: unknown style {element.get('style')!r}")
    return problems


def _block(block: Any, where: str, action_ids: set[str]) -> list[str]:
    if not isinstance(block, dict):
        return [f"{where}: not an object"]
    kind = block.get("type")
    if kind == "header":
        return _text(block.get("text"), f"{where}.text", 150, plain_only=True)
    if kind == "section":
        problems: list[str] = []
        if "text" not in block and "fields" not in block:
            problems.append(f"{where}: a section needs text or fields")
        if "text" in block:
            problems += _text(block["text"], f"{where}.text", 3000)
        fields = block.get("fields", [])
        if not isinstance(fields, list) or len(fields) > 10:
            problems.append(f"{where}: at most 10 fields")
        else:
            for n, field in enumerate(fields):
                problems += _text(field, f"{where}.fields[{n}]", 2000)
        return problems
    if kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            return [f"{where}: a context has 1 to 10 elements"]
        return [p for n, e in enumerate(elements) for p in _text(e, f"{where}.elements[{n}]", 3000)]
    if kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
            return [f"{where}: an actions block has 1 to 25 elements"]
        return [
            p
            for n, e in enumerate(elements)
            for p in _button(e, f"{where}.elements[{n}]", action_ids)
        ]
    if kind == "input":
        problems = _text(block.get("label"), f"{where}.label", 2000, plain_only=True)
        if not isinstance(block.get("element"), dict):
            problems.append(f"{where}: an input needs an element")
        return problems
    if kind == "divider":
        return []
    return [f"{where}: unknown block type {kind!r}"]


def blocks_problems(blocks: Any, *, limit: int = 50) -> list[str]:
    if not isinstance(blocks, list):
        return ["blocks: not a list"]
    if len(blocks) > limit:
        return [f"blocks: {len(blocks)} blocks, more than {limit}"]
    action_ids: set[str] = set()
    return [p for n, block in enumerate(blocks) for p in _block(block, f"blocks[{n}]", action_ids)]


def view_problems(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return ["view: not an object"]
    problems = blocks_problems(view.get("blocks"), limit=100)
    if view.get("type") == "modal":
        problems += _text(view.get("title"), "view.title", 24, plain_only=True)
        for button in ("submit", "close"):
            if button in view:
                problems += _text(view[button], f"view.{button}", 24, plain_only=True)
    elif view.get("type") != "home":
        problems.append(f"view: unknown type {view.get('type')!r}")
    if len(str(view.get("private_metadata", ""))) > 3000:
        problems.append("view.private_metadata: longer than 3000")
    return problems

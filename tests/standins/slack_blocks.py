"""Block Kit as Slack checks it: the stand-in answers ``invalid_blocks`` where Slack would.

Not every rule, but the ones a renderer breaks in practice: known block types, text objects,
the length limits of headers, sections, fields, buttons and views, unique action ids, and the
shape of images (an image block, or an image element in a context block): ``alt_text``, exactly
one of ``image_url`` and ``slack_file``, a Slack file named by exactly one of ``id`` and ``url``.
Whether a Slack file exists, is an image and is ready to show is the server's to say
(``slack_files`` finds the references, ``image_type`` reads a file's signature).
"""

from __future__ import annotations

from typing import Any

TEXT_TYPES = ("plain_text", "mrkdwn")
# The formats Slack shows in an image block, by their files' first bytes.
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpg",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
}


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


def _image(image: dict[str, Any], where: str) -> list[str]:
    """An image block or element: alt text, and one source (a URL or a Slack file)."""
    problems: list[str] = []
    alt = image.get("alt_text")
    if not isinstance(alt, str) or not alt:
        problems.append(f"{where}: alt_text is required")
    elif len(alt) > 2000:
        problems.append(f"{where}.alt_text: {len(alt)} characters, more than 2000")
    sources = [key for key in ("image_url", "slack_file") if key in image]
    if len(sources) != 1:
        return [*problems, f"{where}: needs exactly one of image_url and slack_file"]
    if sources == ["image_url"]:
        url = image["image_url"]
        if not isinstance(url, str) or not url or len(url) > 3000:
            problems.append(f"{where}.image_url: not a URL of at most 3000 characters")
        return problems
    slack_file = image["slack_file"]
    if not isinstance(slack_file, dict):
        return [*problems, f"{where}.slack_file: not an object"]
    named = [key for key in ("id", "url") if key in slack_file]
    if len(named) != 1 or not isinstance(slack_file[named[0]], str) or not slack_file[named[0]]:
        problems.append(f"{where}.slack_file: needs exactly one of id and url")
    return problems


def _block(block: Any, where: str, action_ids: set[str]) -> list[str]:
    if not isinstance(block, dict):
        return [f"{where}: not an object"]
    kind = block.get("type")
    if kind == "image":
        problems = _image(block, where)
        if "title" in block:
            problems += _text(block["title"], f"{where}.title", 2000, plain_only=True)
        if len(str(block.get("block_id", ""))) > 255:
            problems.append(f"{where}.block_id: longer than 255")
        return problems
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
        return [
            p
            for n, e in enumerate(elements)
            for p in (
                _image(e, f"{where}.elements[{n}]")
                if isinstance(e, dict) and e.get("type") == "image"
                else _text(e, f"{where}.elements[{n}]", 3000)
            )
        ]
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


def slack_files(blocks: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every Slack file an image in ``blocks`` shows, as (where, the slack_file object): image
    blocks and the image elements of context blocks."""
    found: list[tuple[str, dict[str, Any]]] = []
    for n, block in enumerate(blocks if isinstance(blocks, list) else []):
        if not isinstance(block, dict):
            continue
        images = [(f"/blocks/{n}", block)] if block.get("type") == "image" else []
        if block.get("type") == "context" and isinstance(block.get("elements"), list):
            images = [
                (f"/blocks/{n}/elements/{m}", e)
                for m, e in enumerate(block["elements"])
                if isinstance(e, dict) and e.get("type") == "image"
            ]
        found += [
            (f"{where}/slack_file", image["slack_file"])
            for where, image in images
            if isinstance(image.get("slack_file"), dict)
        ]
    return found


def image_type(content: bytes) -> str | None:
    """``png``, ``jpg`` or ``gif`` by the file's signature; None for anything else."""
    for signature, kind in IMAGE_SIGNATURES.items():
        if content.startswith(signature):
            return kind
    return None

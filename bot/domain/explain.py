"""pydantic's validation errors in plain words: the one table from error type to sentence.

Every error type a file can cause has an entry in ``EXPLAIN``; anything else gets ``FALLBACK``.
pydantic's own ``msg`` is never shown (it speaks of "input", "tuple" and "dictionary"). The only
text passed through is the sentence of an ``InputError`` our own validators raise.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bot.domain.errors import InputError

Loc = tuple[str | int, ...]

FALLBACK = "is not a value this field accepts; see the file format in the documentation"
SLUG = r"^[a-z0-9][a-z0-9-]*$"
_PATTERNS = {
    SLUG: "use lowercase letters, digits and hyphens, e.g. linear-algebra",
}


@dataclass(frozen=True)
class Found:
    """One validation error, with what the file says at its place."""

    loc: Loc
    value: Any  # the value as read
    written: str | None  # the text exactly as written, for a single value
    ctx: Mapping[str, Any]
    model: type[BaseModel]


def _shown(found: Found) -> str:
    if found.written is not None:
        return found.written
    return str(found.value)


def _number(value: Any) -> str:
    """``100.0`` -> ``100``: a limit is shown as people write it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _not_text(found: Found) -> str:
    value = found.value
    if value is None:
        return "is empty; write a value after the colon"
    if isinstance(value, list | tuple):
        return "should be a single text, not a list"
    if isinstance(value, dict):
        return "should be a single text, not a mapping of field: value"
    written = found.written if found.written is not None else str(value)
    if isinstance(value, bool):
        return f'write it in quotes, "{written}" — unquoted, {written} reads as yes/no'
    if written != str(value):
        return f'write it in quotes, "{written}" — unquoted, {written} reads as the number {value}'
    return f'write it in quotes, "{written}" — unquoted, {written} reads as a number'


def _too_short_text(found: Found) -> str:
    least = found.ctx.get("min_length", 1)
    if least <= 1:
        return "must not be empty"
    return f"must be at least {least} characters long (got {len(str(found.value).strip())})"


def _too_long_text(found: Found) -> str:
    return f"must be at most {found.ctx.get('max_length')} characters long (got {len(str(found.value))})"


def _pattern(found: Found) -> str:
    rule = _PATTERNS.get(str(found.ctx.get("pattern")), "is not written in the expected form")
    return f"{rule}, not {_shown(found)!r}"


def _bound(words: str, key: str) -> Callable[[Found], str]:
    return lambda found: f"must be {words} {_number(found.ctx.get(key))} (got {_shown(found)})"


def _list_of(found: Found) -> str:
    items = _item_noun(_annotation_at(found.model, found.loc))
    got = " (got a single value)" if isinstance(found.value, str | int | float) else ""
    return f"should be a list of {items}: one '- item' per line, or [first, second]{got}"


def _list_length(words: str, key: str) -> Callable[[Found], str]:
    return lambda found: (
        f"must list {words} {found.ctx.get(key)} entries (got {found.ctx.get('actual_length')})"
    )


def _mapping(found: Found) -> str:
    keys = allowed_keys(found.model, found.loc)
    listed = f" ({', '.join(keys)})" if keys else ""
    return f"should be a mapping of field: value{listed}"


def _choice(found: Found) -> str:
    return f"must be one of {found.ctx.get('expected')} (got {_shown(found)!r})"


def _own_sentence(found: Found) -> str:
    error = found.ctx.get("error")
    return str(error) if isinstance(error, InputError) else FALLBACK


_WHOLE = "should be a whole number, e.g. 3"
_NUMBER = "should be a number, e.g. 2.5"
_URL = "write a full web address starting with https://, e.g. https://example.org/book"
_DATE = "write a date as YYYY-MM-DD, e.g. 2027-01-04"
_TIME = "write HH:MM, e.g. 18:30"
_DURATION = "write a duration like 3d, 12h, 90m or 2d 6h"


def _fixed(sentence: str) -> Callable[[Found], str]:
    return lambda found: sentence


EXPLAIN: dict[str, Callable[[Found], str]] = {
    "missing": _fixed("required but missing"),
    "string_type": _not_text,
    "string_sub_type": _not_text,
    "string_too_short": _too_short_text,
    "string_too_long": _too_long_text,
    "string_pattern_mismatch": _pattern,
    "int_type": lambda f: f"{_WHOLE} (got {_shown(f)})",
    "int_parsing": lambda f: f"{_WHOLE} (got {_shown(f)})",
    "int_from_float": lambda f: f"{_WHOLE} (got {_shown(f)})",
    "float_type": lambda f: f"{_NUMBER} (got {_shown(f)})",
    "float_parsing": lambda f: f"{_NUMBER} (got {_shown(f)})",
    "finite_number": _fixed("must be an ordinary number, e.g. 2.5"),
    "bool_type": _fixed("write true or false"),
    "bool_parsing": _fixed("write true or false"),
    "greater_than": _bound("more than", "gt"),
    "greater_than_equal": _bound("at least", "ge"),
    "less_than": _bound("less than", "lt"),
    "less_than_equal": _bound("at most", "le"),
    "literal_error": _choice,
    "enum": _choice,
    "list_type": _list_of,
    "tuple_type": _list_of,
    "set_type": _list_of,
    "iterable_type": _list_of,
    "too_short": _list_length("at least", "min_length"),
    "too_long": _list_length("at most", "max_length"),
    "dict_type": _mapping,
    "model_type": _mapping,
    "model_attributes_type": _mapping,
    "dataclass_type": _mapping,
    "url_type": _fixed(_URL),
    "url_parsing": _fixed(_URL),
    "url_syntax_violation": _fixed(_URL),
    "url_scheme": _fixed(_URL),
    "url_too_long": _fixed("the web address is too long"),
    "date_type": _fixed(_DATE),
    "date_parsing": _fixed(_DATE),
    "date_from_datetime_parsing": _fixed(_DATE),
    "date_from_datetime_inexact": _fixed(_DATE),
    "time_type": _fixed(_TIME),
    "time_parsing": _fixed(_TIME),
    "time_delta_type": _fixed(_DURATION),
    "time_delta_parsing": _fixed(_DURATION),
    "value_error": _own_sentence,
    "assertion_error": _own_sentence,
}


def explain(kind: str, found: Found) -> str:
    """The plain sentence for a pydantic error of type ``kind``."""
    return EXPLAIN.get(kind, _fixed(FALLBACK))(found)


def unknown_key(model: type[BaseModel], loc: Loc) -> str:
    """``unknown key 'titel' (did you mean 'title'?)``, or the keys allowed there."""
    key = str(loc[-1]) if loc else ""
    allowed = allowed_keys(model, loc[:-1])
    hint = difflib.get_close_matches(key, allowed, n=1)
    message = f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    if not hint and allowed:
        message += f"; allowed keys: {', '.join(sorted(allowed))}"
    return message


def clean_loc(loc: Sequence[str | int]) -> Loc:
    """pydantic's loc without the names it adds for union members and function validators."""
    return tuple(
        p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))
    )


def _annotation_at(model: Any, loc: Loc) -> Any:
    """The annotation of the field at ``loc`` (None if the path leaves the models)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            current = _item_type(current)
        else:
            found = _unwrap_to_model(current)
            fields = getattr(found, "model_fields", None)
            if not fields:
                return None
            info = next((i for n, i in fields.items() if part in (n, i.alias)), None)
            if info is None:
                return None
            current = info.annotation
        if current is None:
            return None
    return current


def allowed_keys(model: Any, loc: Loc) -> list[str]:
    """The keys a mapping at ``loc`` may have, found by walking the model's annotations."""
    found = _unwrap_to_model(_annotation_at(model, loc))
    fields = getattr(found, "model_fields", None)
    return [info.alias or name for name, info in fields.items()] if fields else []


def _strip(annotation: Any) -> Any:
    """Without Annotated[...] and Optional[...]."""
    for _ in range(8):
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin is typing.Annotated or (
            origin in (typing.Union, types.UnionType) and len(args) == 1
        ):
            annotation = args[0]
        else:
            return annotation
    return annotation


def _item_type(annotation: Any) -> Any:
    annotation = _strip(annotation)
    if typing.get_origin(annotation) in (list, tuple, Sequence):
        return typing.get_args(annotation)[0]
    return None


def _unwrap_to_model(annotation: Any) -> Any:
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if isinstance(a, type)]
        return next((a for a in models if issubclass(a, BaseModel)), None)
    return None


def _item_noun(annotation: Any) -> str:
    item = _strip(_item_type(annotation))
    if item is None:
        return "values"
    if isinstance(item, type) and issubclass(item, BaseModel):
        return "entries (each a mapping of field: value)"
    if typing.get_origin(item) in (list, tuple, Sequence):
        return "lists"
    if item is str:
        return "texts"
    if item in (int, float):
        return "numbers"
    return "values"

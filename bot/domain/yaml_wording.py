"""The YAML parser's syntax errors in plain words (it speaks of tokens, scalars and block ends).

The first entry whose fragment occurs in the parser's own description gives the sentence; the
parser's wording itself is never shown.
"""

from __future__ import annotations

GENERIC = (
    "this line is not valid here; check its indentation, colons and quotes "
    "(and those of the line above)"
)

_SENTENCES: tuple[tuple[str, str], ...] = (
    (
        "mapping values are not allowed",
        'a colon and a space (": ") inside a value; put the whole value in quotes',
    ),
    ("'\\t'", "a tab character; indent with spaces only"),
    ("cannot start any token", "a value cannot start with this character; put it in quotes"),
    ("could not find expected ':'", 'expected "key: value" here; is a colon missing?'),
    ("expected ',' or ']'", "a [list] is not closed: add the ] (or a comma between items)"),
    ("expected ',' or '}'", "a {mapping} is not closed: add the } (or a comma between items)"),
    ("quoted scalar", "a quoted text is not closed: add the closing quote"),
    ("unknown escape character", "an unknown \\ escape in double quotes; use single quotes"),
    ("expected a single document", "holds more than one document (---); keep one per file"),
    ("<block end>", "the indentation does not line up with the lines above"),
    ("block scalar", "a | or > block is not written correctly; indent its text below it"),
    ("unhashable key", "a key must be a single name, not a list or mapping"),
    ("alias", "anchors and aliases (&name, *name) are not allowed; write the value out in full"),
    ("anchor", "anchors and aliases (&name, *name) are not allowed; write the value out in full"),
    ("directive", "directives (lines starting with %) are not allowed; remove the line"),
)


def syntax_sentence(context: str | None, problem: str | None) -> str:
    """A plain sentence for the parser's ``context`` and ``problem`` descriptions."""
    described = f"{context or ''} {problem or ''}"
    for fragment, sentence in _SENTENCES:
        if fragment in described:
            return sentence
    return GENERIC

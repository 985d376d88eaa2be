"""The dialect's own INSERT, for ``ON CONFLICT`` (insert-or-get, insert-or-replace): one place
that picks PostgreSQL's or SQLite's, and imports only the one the database uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def insert_for(dialect: str) -> Callable[..., Any]:
    """``insert`` of ``dialect`` (an engine's ``dialect.name``): PostgreSQL's or SQLite's, which
    both offer ``on_conflict_do_nothing`` and ``on_conflict_do_update``."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # only on PostgreSQL (see above)

        return insert
    from sqlalchemy.dialects.sqlite import insert  # loaded with the SQLite engine already

    return insert

"""Syllabi: the list, one syllabus, and loading a syllabus file shared in the channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.core import grammar, replies
from bot.core.catalog import upload_source
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.handlers.lookup import require_organizer
from bot.core.models import FileEvent, Reply
from bot.core.services import groups
from bot.domain.problems import MAX_FILE_BYTES, DataFileError, Problem, report
from bot.domain.states import Role
from bot.store.models import StoredSyllabus
from bot.store.syllabi import save_syllabus, syllabus_of

if TYPE_CHECKING:  # the models (pydantic) load with the first syllabus read, not at start
    from bot.domain.syllabus import Syllabus


async def syllabus_for(ctx: Context, syllabus_id: str) -> Syllabus:
    """A syllabus loaded in this channel (the newest), else one from the content folder."""
    stored = await ctx.db.scalar(
        select(StoredSyllabus)
        .where(
            StoredSyllabus.syllabus_id == syllabus_id,
            StoredSyllabus.source == upload_source(ctx.place),
        )
        .order_by(StoredSyllabus.id.desc())
        .limit(1)
    )
    if stored is not None:
        return syllabus_of(stored)
    try:
        return ctx.library.get(syllabus_id)
    except KeyError:
        raise Refusal(replies.no_syllabus(syllabus_id)) from None
    except DataFileError as problems:
        raise Refusal(f"The syllabus file is invalid:\n{report(problems)}") from None


async def list_them(ctx: Context, command: grammar.SyllabusList) -> Reply:
    """``/study syllabus list``: the shipped syllabi that load (a broken file is left out)."""
    syllabi = []
    for syllabus_id in ctx.library.ids():
        try:
            syllabi.append(ctx.library.get(syllabus_id))
        except DataFileError:
            continue
    return replies.syllabus_list(syllabi)


async def show(ctx: Context, command: grammar.SyllabusShow) -> Reply:
    """``/study syllabus show <id>``."""
    try:
        return replies.syllabus_show(ctx.library.get(command.syllabus_id))
    except (KeyError, DataFileError):
        raise Refusal(replies.no_syllabus(command.syllabus_id)) from None


async def on_file(ctx: Context, event: FileEvent) -> Reply:
    """Load a syllabus shared in the channel; problems come back as the CLI prints them,
    for the whole channel to see."""
    group = await groups.ensure_group(ctx.db, ctx.place)
    if any(m.role == Role.ORGANIZER for m in await groups.current_members(ctx.db, group)):
        await require_organizer(ctx, group, "load a syllabus")
    name = event.filename or "upload.yaml"
    size = max(event.size, len(event.content))
    if size > MAX_FILE_BYTES:
        problem = Problem(
            name, 1, 1, "file", f"is {size} bytes; files larger than 1 MiB are refused"
        )
        raise Refusal(report(DataFileError([problem])), ephemeral=False)
    from bot.domain.datafile import parse_yaml  # yaml and pydantic: on first use, not at start
    from bot.domain.syllabus import parse_syllabus

    try:
        document = parse_yaml(event.content, name=name)
        syllabus = parse_syllabus(document)
        if syllabus.kind == "track" and (problems := ctx.library.check_track(syllabus, document)):
            raise DataFileError(problems)
    except DataFileError as problems:
        raise Refusal(report(problems), ephemeral=False) from None
    await save_syllabus(ctx.db, syllabus, source=upload_source(ctx.place))
    return replies.syllabus_loaded(syllabus)

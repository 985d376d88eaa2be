"""StudyBot: turns incoming events into changes and replies. One instance serves every platform.

Each event is handled in one database transaction that also records the event's id, so a
platform retrying a delivery changes nothing the second time, and a failure leaves no half state.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core import commands as cmd
from bot.core import exports, messages
from bot.core.catalog import Catalog, upload_source
from bot.core.models import (
    ActionEvent,
    CommandEvent,
    FileEvent,
    Incoming,
    MembershipEvent,
    Message,
    Paragraph,
    Person,
    Place,
    ReactionEvent,
    Reply,
    ThreadMessageEvent,
    say,
)
from bot.core.ports import Adapter, Clock
from bot.core.safety import defuse, one_line
from bot.core.services import checkins, groups, questions, runs
from bot.core.views import Views
from bot.datafile import MAX_FILE_BYTES, DataFileError, Problem, parse_yaml, read_yaml, report
from bot.schedule_spec import ScheduleSpec, check_schedule
from bot.store.models import Group, Member, ProcessedEvent, Question, Run, StoredSyllabus
from bot.store.syllabi import save_syllabus, syllabus_of
from bot.syllabus import Library, Syllabus, parse_syllabus

log = logging.getLogger(__name__)

RESOLVE_EMOJI = frozenset({"white_check_mark", "heavy_check_mark", "✅", "✔️", "☑️"})
DEFAULT_SCHEDULE = {"weekday": "monday", "time": "18:00", "timezone": "UTC"}


class Refusal(Exception):
    """A polite no: the message is shown to the member and the transaction is rolled back."""


@dataclass
class Context:
    db: AsyncSession
    event: Incoming
    now: datetime

    @property
    def who(self) -> Person:
        return self.event.who

    @property
    def place(self) -> Place:
        return self.event.where


class StudyBot:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        library: Library,
        schedules_dir: Path,
        adapters: Mapping[str, Adapter] | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.library = library
        self.schedules_dir = schedules_dir
        self.adapters: dict[str, Adapter] = dict(adapters or {})
        self.views = Views(library=library)
        self.catalog = Catalog(library=library, schedules=schedules_dir, sessions=sessions)

    def attach(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter

    # --- entry point ----------------------------------------------------------------------------

    async def handle(self, event: Incoming) -> Reply | None:
        """Handle one platform event; None means there is nothing to say (or it was a retry)."""
        handler = self._handler_for(event)
        try:
            async with self.sessions.begin() as db:
                if not await self._first_time(db, event):
                    return None
                return await handler(Context(db, event, self.clock.now()))
        except Refusal as refusal:
            return say(str(refusal))
        except Exception:  # the member gets an apology, the log gets the traceback
            log.exception("handling %s %s failed", type(event).__name__, event.event_id)
            return say(
                "Sorry, something went wrong on my side and nothing was changed. Please try again."
            )

    def _handler_for(self, event: Incoming) -> Callable[[Context], Awaitable[Reply | None]]:
        if isinstance(event, CommandEvent):
            return self._command
        if isinstance(event, ActionEvent):
            return self._action
        if isinstance(event, ThreadMessageEvent):
            return self._thread_message
        if isinstance(event, ReactionEvent):
            return self._reaction
        if isinstance(event, MembershipEvent):
            return self._membership
        if isinstance(event, FileEvent):
            return self._file
        raise TypeError(f"unknown event {type(event).__name__}")

    async def _first_time(self, db: AsyncSession, event: Incoming) -> bool:
        try:
            async with db.begin_nested():
                db.add(ProcessedEvent(platform=event.where.platform, event_id=event.event_id[:200]))
        except IntegrityError:
            return False
        return True

    # --- helpers --------------------------------------------------------------------------------

    def adapter(self, place: Place) -> Adapter:
        return self.adapters[place.platform]

    async def _group(self, ctx: Context) -> Group:
        group = await groups.find_group(ctx.db, ctx.place)
        if group is None:
            raise Refusal(
                "This channel has no study group yet. Join with `/study join`; an organizer starts "
                "one with `/study start <syllabus-id>` (see `/study syllabus list`)."
            )
        return group

    async def _run(
        self, ctx: Context, group: Group, *, active: bool = False, history: bool = False
    ) -> Run:
        """The run a command is about; ``history`` also accepts a finished or stopped one."""
        run = await (runs.latest_run if history else runs.open_run)(ctx.db, group)
        if run is None:
            raise Refusal(
                "Nothing is being read here yet. An organizer starts a syllabus with "
                "`/study start <syllabus-id>` or `/study plan <schedule>`."
            )
        if active and run.status == "paused":
            raise Refusal("The group is paused. An organizer can `/study resume`.")
        return run

    async def _member(self, ctx: Context, group: Group) -> Member:
        member, _ = await groups.enroll(ctx.db, group, ctx.who, ctx.now)
        return member

    async def _require_organizer(self, ctx: Context, group: Group, action: str) -> Member | None:
        member = await groups.find_member(ctx.db, group, ctx.who.user_id)
        if not groups.is_organizer(member, ctx.who):
            raise Refusal(f"Only organizers can {action}. Ask one of them, or see `/study help`.")
        return member

    # --- commands -------------------------------------------------------------------------------

    async def _command(self, ctx: Context) -> Reply | None:
        assert isinstance(ctx.event, CommandEvent)
        try:
            command = cmd.parse(ctx.event.text)
        except cmd.CommandError as error:
            return say(str(error))
        method = getattr(self, f"_do_{type(command).__name__.lower()}")
        return await method(ctx, command)

    async def _do_help(self, ctx: Context, command: cmd.Help) -> Reply:
        return say(cmd.help_text(command.topic))

    async def _do_join(self, ctx: Context, command: cmd.Join) -> Reply:
        group = await groups.ensure_group(ctx.db, ctx.place)
        _, new = await groups.enroll(ctx.db, group, ctx.who, ctx.now)
        return self.views.welcome(new=new, run=await runs.open_run(ctx.db, group))

    async def _do_leave(self, ctx: Context, command: cmd.Leave) -> Reply:
        group = await self._group(ctx)
        member = await groups.find_member(ctx.db, group, ctx.who.user_id)
        if member is None or member.left_at is not None:
            return say("You are not a member of this group.")
        organizers = [
            m for m in await groups.current_members(ctx.db, group) if m.role == "organizer"
        ]
        if (
            member.role == "organizer"
            and len(organizers) == 1
            and len(await groups.current_members(ctx.db, group)) > 1
        ):
            raise Refusal(
                "You are the group's only organizer: add another with `/study organizer add <member>` first."
            )
        member.left_at = ctx.now
        return say("You left the group. Your check-ins are kept; `/study join` to come back.")

    async def _do_checkin(self, ctx: Context, command: cmd.CheckIn) -> Reply:
        group = await self._group(ctx)
        run = await self._run(ctx, group, active=True)
        session = runs.current_session(await runs.sessions_of(ctx.db, run), ctx.now)
        if session is None:
            first = (await runs.sessions_of(ctx.db, run))[0]
            raise Refusal(
                f"The first session starts {messages.local_time(first.starts_at, run.timezone)}; check in after it begins."
            )
        member = await self._member(ctx, group)
        await checkins.check_in(
            ctx.db,
            session=session,
            member=member,
            status=command.status,
            note=command.note,
            now=ctx.now,
        )
        return say(
            f"Checked in as {messages.CHECKIN_LABELS[command.status].lower()} for “{session.title}”. Thanks!"
        )

    async def _do_ask(self, ctx: Context, command: cmd.Ask) -> Reply:
        group = await self._group(ctx)
        run = await self._run(ctx, group, active=True)
        member = await self._member(ctx, group)
        syllabus = await runs.syllabus_of_run(ctx.db, run)
        sessions = await runs.sessions_of(ctx.db, run)
        session = runs.current_session(sessions, ctx.now) or sessions[0]
        unit = runs.content_of(session, syllabus)[0].unit
        number = len(await questions.list_questions(ctx.db, run, scope="all", unit=None)) + 1
        question = Question(
            run_id=run.id,
            session_id=session.id,
            member_id=member.id,
            unit_id=unit.id,
            text=command.text,
            created_at=ctx.now,
        )
        ctx.db.add(question)
        await ctx.db.flush()
        adapter = self.adapter(ctx.place)
        post = messages.question_post(
            number=number,
            asker=member.display_name,
            unit_title=unit.title,
            text=command.text,
            unit_id=unit.id,
        )
        question.message_ref = await adapter.post(ctx.place.channel_only, post)
        question.thread_ref = await adapter.open_thread(
            ctx.place.channel_only,
            question.message_ref,
            Message(
                text="Answers go in this thread.",
                blocks=(
                    Paragraph(
                        "Answers go in this thread. ✅ or `/study resolve` when it is answered."
                    ),
                ),
            ),
        )
        return say(
            f"Your question is posted as Question {number}; answers will arrive in its thread."
        )

    async def _do_resolve(self, ctx: Context, command: cmd.Resolve) -> Reply:
        group = await self._group(ctx)
        if ctx.place.thread is None:
            raise Refusal("Use `/study resolve` inside the question's thread.")
        run_ids = await self._run_ids(ctx, group)
        question = await questions.question_in_thread(ctx.db, run_ids, ctx.place.thread)
        if question is None:
            raise Refusal("This thread is not a studybot question.")
        return await self._resolve(ctx, group, question)

    async def _resolve(self, ctx: Context, group: Group, question: Question) -> Reply:
        member = await groups.find_member(ctx.db, group, ctx.who.user_id)
        is_asker = member is not None and member.id == question.member_id
        if not (is_asker or groups.is_organizer(member, ctx.who)):
            raise Refusal("Only the person who asked, or an organizer, can resolve this question.")
        if question.status == "resolved":
            return say("This question is already resolved.")
        assert member is not None or ctx.who.is_admin
        resolver = member or await self._member(ctx, group)
        questions.resolve(question, resolver, ctx.now)
        await self._announce_resolved(ctx, question, resolver)
        return say("Marked as resolved. Thanks for closing the loop!")

    async def _announce_resolved(self, ctx: Context, question: Question, resolver: Member) -> None:
        asker = await ctx.db.get(Member, question.member_id)
        run = await ctx.db.get(Run, question.run_id)
        assert asker is not None and run is not None
        syllabus = await runs.syllabus_of_run(ctx.db, run)
        number = [
            q.id for q in await questions.list_questions(ctx.db, run, scope="all", unit=None)
        ].index(question.id) + 1
        adapter = self.adapter(ctx.place)
        place = ctx.place.channel_only
        if question.message_ref:
            await adapter.update(
                place,
                question.message_ref,
                messages.question_resolved_post(
                    number=number,
                    asker=asker.display_name,
                    unit_title=syllabus.unit(question.unit_id).title,
                    text=question.text,
                    resolver=resolver.display_name,
                    unit_id=question.unit_id,
                ),
            )
        if question.thread_ref:
            note = f"✅ Resolved by {defuse(resolver.display_name)}."
            await adapter.reply(
                place, question.thread_ref, Message(text=note, blocks=(Paragraph(note),))
            )

    async def _run_ids(self, ctx: Context, group: Group) -> list[int]:
        from sqlalchemy import select

        return list(await ctx.db.scalars(select(Run.id).where(Run.group_id == group.id)))

    async def _do_questions(self, ctx: Context, command: cmd.Questions) -> Reply:
        group = await self._group(ctx)
        run = await self._run(ctx, group, history=True)
        found = await questions.list_questions(ctx.db, run, scope=command.scope, unit=command.unit)
        return await self.views.questions(
            ctx.db, run, found, scope=command.scope, unit=command.unit
        )

    async def _do_progress(self, ctx: Context, command: cmd.Progress) -> Reply:
        group = await self._group(ctx)
        run = await self._run(ctx, group, history=True)
        return await self.views.progress(ctx.db, group, run, ctx.now)

    async def _do_me(self, ctx: Context, command: cmd.Me) -> Reply:
        group = await self._group(ctx)
        member = await groups.find_member(ctx.db, group, ctx.who.user_id)
        if member is None:
            raise Refusal("You are not in this group yet: `/study join`.")
        return await self.views.me(
            ctx.db, group, member, await runs.latest_run(ctx.db, group), ctx.now
        )

    async def _do_showschedule(self, ctx: Context, command: cmd.ShowSchedule) -> Reply:
        group = await self._group(ctx)
        run = await self._run(ctx, group)
        return await self.views.schedule(ctx.db, run, ctx.now)

    async def _do_syllabuslist(self, ctx: Context, command: cmd.SyllabusList) -> Reply:
        return self.views.syllabus_list()

    async def _do_syllabusshow(self, ctx: Context, command: cmd.SyllabusShow) -> Reply:
        return self.views.syllabus_show(command.syllabus_id)

    async def _do_reminders(self, ctx: Context, command: cmd.Reminders) -> Reply:
        group = await self._group(ctx)
        member = await self._member(ctx, group)
        member.dm_reminders = command.mode == "dm"
        where = "by direct message" if member.dm_reminders else "in the channel"
        return say(f"You will get the mid-week nudge {where}.")

    async def _may_start(self, ctx: Context, group: Group) -> Member:
        members = await groups.current_members(ctx.db, group)
        if any(m.role == "organizer" for m in members):
            await self._require_organizer(ctx, group, "start a syllabus")
        member = await self._member(ctx, group)
        member.role = "organizer"  # the first to start a run becomes its organizer
        if await runs.open_run(ctx.db, group) is not None:
            raise Refusal(
                "A syllabus is already running here. `/study stop` it first, or `/study pause`."
            )
        return member

    async def _do_start(self, ctx: Context, command: cmd.Start) -> Reply:
        group = await groups.ensure_group(ctx.db, ctx.place)
        organizer = await self._may_start(ctx, group)
        syllabus = await self._syllabus(ctx, command.syllabus_id)
        given = {"weekday": command.weekday, "time": command.time, "timezone": command.timezone}
        fields: dict[str, Any] = {
            "syllabus": syllabus.id,
            "start": command.start or "2000-01-03",  # replaced by today below
            **DEFAULT_SCHEDULE,
            **{key: value for key, value in given.items() if value},
        }
        if command.pace:
            fields["pace"] = {"units_per_session": command.pace}
        spec = _validated_spec(fields)
        today = ctx.now.astimezone(spec.zone).date()
        if command.start and spec.start < today:
            raise Refusal(f"The start date {spec.start} is in the past.")
        if not command.start:
            spec = runs.first_future_start(
                syllabus, spec.model_copy(update={"start": today}), ctx.now
            )
        _run, sessions = await runs.start_run(
            ctx.db,
            group=group,
            syllabus=syllabus,
            spec=spec,
            organizer=organizer,
            now=ctx.now,
            source="content",
        )
        if sessions[0].starts_at <= ctx.now:
            raise Refusal(
                "That first session would already have started; choose a later start or time."
            )
        return self.views.started(syllabus, spec, sessions, ephemeral=False)

    async def _do_plan(self, ctx: Context, command: cmd.Plan) -> Reply:
        group = await groups.ensure_group(ctx.db, ctx.place)
        organizer = await self._may_start(ctx, group)
        name = command.name.removesuffix(".yaml").removesuffix(".yml")
        path = self.schedules_dir / f"{name}.yaml"
        if "/" in name or "\\" in name or not path.is_file():
            known = ", ".join(sorted(p.stem for p in self.schedules_dir.glob("*.yaml"))) or "none"
            raise Refusal(f"There is no schedule `{command.name}`. Known: {known}.")
        try:
            loaded = check_schedule(read_yaml(path, display_name=path.name), library=self.library)
        except DataFileError as problems:
            raise Refusal(f"That schedule has problems:\n{problems}") from None
        if loaded.sessions[0].starts_at <= ctx.now:
            raise Refusal(
                f"`{path.name}` starts on {loaded.spec.start}, which has passed. Edit its `start:` first."
            )
        _run, sessions = await runs.start_run(
            ctx.db,
            group=group,
            syllabus=loaded.syllabus,
            spec=loaded.spec,
            organizer=organizer,
            now=ctx.now,
            source=str(path),
        )
        return self.views.started(loaded.syllabus, loaded.spec, sessions, ephemeral=False)

    async def _do_pause(self, ctx: Context, command: cmd.Pause) -> Reply:
        group = await self._group(ctx)
        await self._require_organizer(ctx, group, "pause the group")
        run = await self._run(ctx, group)
        if run.status == "paused":
            return say("The group is already paused.")
        await runs.pause(ctx.db, run, ctx.now)
        return say(
            "Paused: no posts until an organizer runs `/study resume`. Later sessions will move back.",
            ephemeral=False,
        )

    async def _do_resume(self, ctx: Context, command: cmd.Resume) -> Reply:
        group = await self._group(ctx)
        await self._require_organizer(ctx, group, "resume the group")
        run = await self._run(ctx, group)
        if run.status != "paused":
            return say("The group is not paused.")
        await runs.resume(ctx.db, run, ctx.now)
        return await self.views.schedule(
            ctx.db, run, ctx.now, heading="Resumed. The next sessions:", ephemeral=False
        )

    async def _do_skip(self, ctx: Context, command: cmd.Skip) -> Reply:
        group = await self._group(ctx)
        await self._require_organizer(ctx, group, "skip a week")
        run = await self._run(ctx, group)
        skipped = await runs.skip_next(ctx.db, run, ctx.now)
        if skipped is None:
            raise Refusal("There is no session left to skip.")
        return await self.views.schedule(
            ctx.db,
            run,
            ctx.now,
            heading="Skipped a week; everything after moves back. The next sessions:",
            ephemeral=False,
        )

    async def _do_stop(self, ctx: Context, command: cmd.Stop) -> Reply:
        group = await self._group(ctx)
        await self._require_organizer(ctx, group, "stop the syllabus")
        run = await self._run(ctx, group)
        await runs.stop(ctx.db, run, ctx.now)
        return say(
            "Stopped. No more scheduled posts; an organizer can `/study start` another syllabus.",
            ephemeral=False,
        )

    async def _do_organizer(self, ctx: Context, command: cmd.Organizer) -> Reply:
        group = await self._group(ctx)
        await self._require_organizer(ctx, group, "change organizers")
        target = await groups.resolve_member(ctx.db, group, command.member)
        if target is None:
            raise Refusal(
                f"I can't find a member `{defuse(command.member)}` in this group (they need to `/study join` first)."
            )
        if command.add:
            target.role = "organizer"
            return say(f"{defuse(target.display_name)} is now an organizer.", ephemeral=False)
        organizers = [
            m for m in await groups.current_members(ctx.db, group) if m.role == "organizer"
        ]
        if target.role != "organizer":
            return say(f"{defuse(target.display_name)} is not an organizer.")
        if len(organizers) == 1:
            raise Refusal(
                "A group needs at least one organizer: add another before removing this one."
            )
        target.role = "member"
        return say(f"{defuse(target.display_name)} is no longer an organizer.", ephemeral=False)

    async def _do_export(self, ctx: Context, command: cmd.Export) -> Reply:
        group = await self._group(ctx)
        run = await self._run(ctx, group, history=True)
        if command.format == "csv":
            attachment = await exports.checkins_csv(ctx.db, run)
        else:
            attachment = await exports.calendar_ics(
                ctx.db, run, await runs.syllabus_of_run(ctx.db, run)
            )
        return Reply(
            message=Message(
                text=f"Here is {attachment.filename}.",
                blocks=(Paragraph(f"Here is {attachment.filename}."),),
                attachments=(attachment,),
            )
        )

    async def home(self, *, platform: str, workspace: str, user_id: str) -> Message:
        """What a member sees on their own page (Slack App Home); read-only."""
        async with self.sessions() as db:
            return await self.views.home(
                db, platform=platform, workspace=workspace, user_id=user_id, now=self.clock.now()
            )

    # --- uploaded syllabi -----------------------------------------------------------------------

    async def _syllabus(self, ctx: Context, syllabus_id: str) -> Syllabus:
        """A syllabus uploaded in this channel (the newest), else one from the content folder."""
        from sqlalchemy import select

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
            return self.library.get(syllabus_id)
        except KeyError:
            raise Refusal(
                f"There is no syllabus `{defuse(syllabus_id)}`. See `/study syllabus list`."
            ) from None
        except DataFileError as problems:
            raise Refusal(f"The syllabus file is invalid:\n{report(problems)}") from None

    async def _file(self, ctx: Context) -> Reply:
        """Load a syllabus shared in the channel; problems come back as the CLI prints them."""
        assert isinstance(ctx.event, FileEvent)
        event = ctx.event
        group = await groups.ensure_group(ctx.db, ctx.place)
        if any(m.role == "organizer" for m in await groups.current_members(ctx.db, group)):
            await self._require_organizer(ctx, group, "load a syllabus")
        name = event.filename or "upload.yaml"
        if max(event.size, len(event.content)) > MAX_FILE_BYTES:
            size = max(event.size, len(event.content))
            problem = Problem(
                name, 1, 1, "file", f"is {size} bytes; files larger than 1 MiB are refused"
            )
            return say(report(DataFileError([problem])), ephemeral=False)
        try:
            document = parse_yaml(event.content, name=name)
            syllabus = parse_syllabus(document)
            if syllabus.kind == "track" and (
                problems := self.library.check_track(syllabus, document)
            ):
                raise DataFileError(problems)
        except DataFileError as problems:
            return say(report(problems), ephemeral=False)
        await save_syllabus(ctx.db, syllabus, source=upload_source(ctx.place))
        return say(
            f"Loaded `{syllabus.id}`: {syllabus.title}, {len(syllabus.units)} units. An organizer "
            f"starts it with `/study start {syllabus.id}`. A running group is not affected.",
            ephemeral=False,
        )

    # --- other events ---------------------------------------------------------------------------

    async def _action(self, ctx: Context) -> Reply | None:
        assert isinstance(ctx.event, ActionEvent)
        event = ctx.event
        if event.action == "checkin":
            return await self._checkin_click(ctx, event.value)
        if event.action == "ask":
            text = event.value.strip()
            if not text or text.isdigit():
                return say("Write your question with `/study ask <question>`.")
            return await self._do_ask(
                ctx, cmd.Ask(text[: cmd.MAX_TEXT]) if len(text) <= cmd.MAX_TEXT else _too_long()
            )
        return say("That button is no longer supported. Try `/study help`.")

    async def _checkin_click(self, ctx: Context, value: str) -> Reply:
        session_id, _, status = value.partition(":")
        if status not in messages.CHECKIN_LABELS or not session_id.isdigit():
            return say("That button is not valid any more.")
        group = await self._group(ctx)
        from bot.store.models import Session

        session = await ctx.db.get(Session, int(session_id))
        run = await ctx.db.get(Run, session.run_id) if session else None
        if (
            session is None
            or run is None
            or run.group_id != group.id
            or run.status not in runs.OPEN_RUN
        ):
            return say("That post belongs to a run that has ended; nothing was recorded.")
        if session.starts_at > ctx.now:
            return say("That session has not started yet.")
        member = await self._member(ctx, group)
        await checkins.check_in(
            ctx.db, session=session, member=member, status=status, note="", now=ctx.now
        )
        return say(
            f"Checked in as {messages.CHECKIN_LABELS[status].lower()} for “{session.title}”."
        )

    async def _thread_message(self, ctx: Context) -> Reply | None:
        assert isinstance(ctx.event, ThreadMessageEvent)
        group = await groups.find_group(ctx.db, ctx.place)
        if group is None or ctx.place.thread is None:
            return None
        question = await questions.question_in_thread(
            ctx.db, await self._run_ids(ctx, group), ctx.place.thread
        )
        if question is None or not ctx.event.text.strip():
            return None
        member = await self._member(ctx, group)
        if member.id == question.member_id:
            return None  # the asker's follow-up ("thanks!", a clarification) is not an answer
        await questions.record_answer(
            ctx.db,
            question=question,
            member=member,
            text=ctx.event.text[: cmd.MAX_TEXT],
            message_ref=ctx.event.message_ref,
            now=ctx.now,
        )
        return None

    async def _reaction(self, ctx: Context) -> Reply | None:
        assert isinstance(ctx.event, ReactionEvent)
        if ctx.event.emoji not in RESOLVE_EMOJI:
            return None
        group = await groups.find_group(ctx.db, ctx.place)
        if group is None:
            return None
        question = await questions.question_by_message(
            ctx.db, await self._run_ids(ctx, group), ctx.event.message_ref
        )
        if question is None or question.status == "resolved":
            return None
        try:
            return await self._resolve(ctx, group, question)
        except Refusal:
            return None  # a stranger's ✅ is just a reaction

    async def _membership(self, ctx: Context) -> Reply | None:
        assert isinstance(ctx.event, MembershipEvent)
        group = await groups.find_group(ctx.db, ctx.place)
        if group is None:
            return None
        if ctx.event.joined:
            _, new = await groups.enroll(ctx.db, group, ctx.who, ctx.now)
            return (
                self.views.welcome(new=new, run=await runs.open_run(ctx.db, group)) if new else None
            )
        member = await groups.find_member(ctx.db, group, ctx.who.user_id)
        if member is not None and member.left_at is None:
            member.left_at = ctx.now
        return None


def _validated_spec(fields: dict[str, Any]) -> ScheduleSpec:
    from pydantic import ValidationError

    try:
        return ScheduleSpec.model_validate(fields)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'schedule'}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors(include_url=False)
        )
        raise Refusal(f"I can't use that schedule: {problems}. {cmd.usage('start')}") from None


def _too_long() -> cmd.Ask:
    raise Refusal(f"Questions are limited to {cmd.MAX_TEXT} characters; nothing was saved.")


__all__ = ["Refusal", "StudyBot", "one_line"]

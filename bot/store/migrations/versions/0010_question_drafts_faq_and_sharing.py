"""Q&A that learns: question drafts and withdrawals, an accepted answer and an organizer's FAQ
mark and a revision count per question, the private "did this answer it?" nudge in the ledger, and whether a group
shares its questions with other groups reading the same book

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES_0001 = "status IN ('open', 'resolved')"
STATUSES_0010 = "status IN ('draft', 'open', 'resolved', 'withdrawn')"
KINDS_0009 = (
    "kind IN ('kickoff', 'question', 'reminder', 'summary', 'reminder_dm', 'notice', "
    "'qa_post', 'qa_thread', 'qa_edit', 'qa_note', 'qa_formulas', 'soon', 'event', "
    "'event_cancel')"
)
KINDS_0010 = (
    "kind IN ('kickoff', 'question', 'reminder', 'summary', 'reminder_dm', 'notice', "
    "'qa_post', 'qa_thread', 'qa_edit', 'qa_note', 'qa_formulas', 'soon', 'event', "
    "'event_cancel', 'qa_nudge')"
)


def upgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shares_questions", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_questions_status_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_questions_status_allowed"), STATUSES_0010)
        batch_op.add_column(sa.Column("accepted_answer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("faq", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_check_constraint(
            op.f("ck_questions_faq_allowed"), "faq IN ('featured', 'hidden')"
        )
        batch_op.create_foreign_key(
            op.f("fk_questions_accepted_answer_id_answers"),
            "answers",
            ["accepted_answer_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_kind_allowed"), KINDS_0010)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'qa_nudge'")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_kind_allowed"), KINDS_0009)
    op.execute("DELETE FROM questions WHERE status IN ('draft', 'withdrawn')")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_questions_accepted_answer_id_answers"), type_="foreignkey"
        )
        batch_op.drop_constraint(op.f("ck_questions_faq_allowed"), type_="check")
        batch_op.drop_column("revision")
        batch_op.drop_column("faq")
        batch_op.drop_column("accepted_answer_id")
        batch_op.drop_constraint(op.f("ck_questions_status_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_questions_status_allowed"), STATUSES_0001)
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("shares_questions")

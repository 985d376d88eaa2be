"""a post some time before each session ("starts in 30 minutes"), when the schedule asks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 22:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_0006 = (
    "kind IN ('kickoff', 'question', 'reminder', 'summary', 'reminder_dm', 'notice', "
    "'qa_post', 'qa_thread', 'qa_edit', 'qa_note', 'qa_formulas')"
)
KINDS_0008 = (
    "kind IN ('kickoff', 'question', 'reminder', 'summary', 'reminder_dm', 'notice', "
    "'qa_post', 'qa_thread', 'qa_edit', 'qa_note', 'qa_formulas', 'soon')"
)


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_kind_allowed"), KINDS_0008)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'soon'")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_kind_allowed"), KINDS_0006)

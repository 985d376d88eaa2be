"""each session's platform event (Discord scheduled events) in the ledger

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_0008 = (
    "kind IN ('kickoff', 'question', 'reminder', 'summary', 'reminder_dm', 'notice', "
    "'qa_post', 'qa_thread', 'qa_edit', 'qa_note', 'qa_formulas', 'soon')"
)
KINDS_0009 = (
    "kind IN ('kickoff', 'question', 'reminder', 'summary', 'reminder_dm', 'notice', "
    "'qa_post', 'qa_thread', 'qa_edit', 'qa_note', 'qa_formulas', 'soon', 'event', "
    "'event_cancel')"
)


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_kind_allowed"), KINDS_0009)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind IN ('event', 'event_cancel')")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_kind_allowed"), KINDS_0008)

"""an answer's formulas, typeset in its thread, are a ledger row of their own

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_0003 = (
    "kind IN ('kickoff', 'question', 'reminder', 'summary', 'reminder_dm', 'notice', "
    "'qa_post', 'qa_thread', 'qa_edit', 'qa_note')"
)
KINDS_0006 = (
    "kind IN ('kickoff', 'question', 'reminder', 'summary', 'reminder_dm', 'notice', "
    "'qa_post', 'qa_thread', 'qa_edit', 'qa_note', 'qa_formulas')"
)


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_kind_allowed"), KINDS_0006)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'qa_formulas'")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_kind_allowed"), KINDS_0003)

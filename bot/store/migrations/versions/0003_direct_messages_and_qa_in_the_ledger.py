"""direct messages and Q&A posts in the ledger

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_0001 = "kind IN ('kickoff', 'question', 'reminder', 'summary')"
KINDS_0003 = (
    "kind IN ('kickoff', 'question', 'reminder', 'summary', 'reminder_dm', 'notice', "
    "'qa_post', 'qa_thread', 'qa_edit', 'qa_note')"
)


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        # Each DM, notice and Q&A post is a row of its own (alembic does not compare CHECKs).
        batch_op.drop_constraint(op.f("ck_deliveries_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_kind_allowed"), KINDS_0003)


def downgrade() -> None:
    op.execute(
        "DELETE FROM deliveries WHERE kind IN "
        "('reminder_dm', 'notice', 'qa_post', 'qa_thread', 'qa_edit', 'qa_note')"
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_kind_allowed"), KINDS_0001)
        batch_op.drop_column("payload")
        batch_op.drop_column("target")

"""reminders: dm, channel or off (was a dm yes/no)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MODES = "reminders IN ('dm', 'channel', 'off')"


def upgrade() -> None:
    # The column is filled from the old yes/no before that goes; the server default only
    # serves this copy (the model writes the value itself).
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders", sa.String(length=16), nullable=False, server_default="channel")
        )
    op.execute("UPDATE members SET reminders = 'dm' WHERE dm_reminders")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("reminders", server_default=None)
        batch_op.create_check_constraint(op.f("ck_members_reminders_allowed"), MODES)
        batch_op.drop_column("dm_reminders")


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dm_reminders", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE members SET dm_reminders = (reminders = 'dm')")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("dm_reminders", server_default=None)
        batch_op.drop_constraint(op.f("ck_members_reminders_allowed"), type_="check")
        batch_op.drop_column("reminders")

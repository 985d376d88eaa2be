"""retry back-off, ledger wake-ups and shared send slots

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every sender process LISTENs on this channel; a row that becomes pending (written, released
# by a process that stops, put back after a failure, resumed) wakes them at once.
NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION studybot_ledger_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('studybot_ledger', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
NOTIFY_TRIGGER = """
CREATE TRIGGER deliveries_notify_pending
AFTER INSERT OR UPDATE OF status ON deliveries
FOR EACH ROW WHEN (NEW.status = 'pending')
EXECUTE FUNCTION studybot_ledger_notify()
"""


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_deliveries_status_retry_at"),
            ["status", "retry_at"],
            unique=False,
            sqlite_where=sa.text("retry_at IS NOT NULL"),
        )
    op.create_table(
        "send_slots",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("next_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_send_slots")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS deliveries_notify_pending ON deliveries")
        op.execute("DROP FUNCTION IF EXISTS studybot_ledger_notify()")
    op.drop_table("send_slots")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_status_retry_at"))
        batch_op.drop_column("retry_at")

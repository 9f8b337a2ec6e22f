"""An index on status_entry (list_id, status, list_index): rebuilding a list after a
revocation reads its non-zero entries as one index range instead of scanning the list.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        "ix_status_entry_list_status_index",
        "status_entry",
        ["list_id", "status", "list_index"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_status_entry_list_status_index", table_name="status_entry")

"""An index on revocation_log (list_id, seq): before a status list is signed, its entries are
checked against the revocation log's history of that list (one index range, not a scan of
the whole log).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index("ix_revocation_log_list_seq", "revocation_log", ["list_id", "seq"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_revocation_log_list_seq", table_name="revocation_log")

"""The mass ledger: entries drawn per origin certificate, and customs export declarations.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "ledger_entry",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("origin_id", sa.String(length=512), nullable=False),
        sa.Column("origin_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=512), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("lot_id", sa.String(length=256), nullable=False),
        sa.Column("mineral", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("wet_kg", sa.Float(), nullable=False),
        sa.Column("dry_kg", sa.Float(), nullable=True),
        sa.Column("contained_kg", sa.Float(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("entry_hash"),
        sa.UniqueConstraint("origin_id", "kind", "source_sha256", "lot_id"),
    )
    op.create_index("ix_ledger_entry_origin_id", "ledger_entry", ["origin_id"], unique=False)
    op.create_table(
        "ledger_export",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("declaration_number", sa.String(length=128), nullable=False),
        sa.Column("origin_id", sa.String(length=512), nullable=False),
        sa.Column("hs_code", sa.String(length=16), nullable=False),
        sa.Column("seals", sa.JSON(), nullable=False),
        sa.Column("importer", sa.String(length=512), nullable=False),
        sa.Column("wet_kg", sa.Float(), nullable=False),
        sa.Column("recorded_by", sa.String(length=512), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("declaration_number"),
    )
    op.create_index("ix_ledger_export_origin_id", "ledger_export", ["origin_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_ledger_export_origin_id", table_name="ledger_export")
    op.drop_table("ledger_export")
    op.drop_index("ix_ledger_entry_origin_id", table_name="ledger_entry")
    op.drop_table("ledger_entry")

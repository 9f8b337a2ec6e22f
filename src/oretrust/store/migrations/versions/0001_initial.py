"""Initial schema: every table of oretrust 0.1 (identities, keys, revocation, registry, API).

Generated from ``SQLModel.metadata`` with Alembic's autogenerate, with sqlmodel's column
types written as their SQLAlchemy implementations (``AutoString`` → ``String``,
``UTCDateTime`` → ``DateTime(timezone=True)``). ``tests/test_api_migrations.py`` checks that
a database built by this migration matches the metadata exactly.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "accreditation",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("authority_id", sa.String(length=512), nullable=False),
        sa.Column("entity_id", sa.String(length=2048), nullable=False),
        sa.Column("action", sa.String(length=128), nullable=False),
        sa.Column("resource", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("suspensions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_accreditation_action", "accreditation", ["action"], unique=False)
    op.create_index(
        "ix_accreditation_authority_id", "accreditation", ["authority_id"], unique=False
    )
    op.create_index("ix_accreditation_entity_id", "accreditation", ["entity_id"], unique=False)

    op.create_table(
        "api_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("issuer_did", sa.String(length=512), nullable=True),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("target", sa.String(length=512), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_api_audit_at", "api_audit", ["at"], unique=False)
    op.create_index("ix_api_audit_token_id", "api_audit", ["token_id"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("issuer_did", sa.String(length=512), nullable=True),
        sa.Column("label", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "holder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("did", sa.String(length=2048), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_holder_did", "holder", ["did"], unique=True)
    op.create_index("ix_holder_name", "holder", ["name"], unique=True)

    op.create_table(
        "home_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "issued_credential",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("issuer_did", sa.String(length=512), nullable=False),
        sa.Column("holder_did", sa.String(length=2048), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_issued_credential_holder_did", "issued_credential", ["holder_did"], unique=False
    )
    op.create_index(
        "ix_issued_credential_issuer_did", "issued_credential", ["issuer_did"], unique=False
    )
    op.create_index("ix_issued_credential_type", "issued_credential", ["type"], unique=False)

    op.create_table(
        "issuer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("did", sa.String(length=512), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_issuer_did", "issuer", ["did"], unique=True)
    op.create_index("ix_issuer_name", "issuer", ["name"], unique=True)

    op.create_table(
        "jurisdiction_flag",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("risk", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=1024), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "published_trust_list",
        sa.Column("registry_did", sa.String(length=512), nullable=False),
        sa.Column("iat", sa.BigInteger(), nullable=False),
        sa.Column("exp", sa.BigInteger(), nullable=False),
        sa.Column("log_seq", sa.Integer(), nullable=False),
        sa.Column("log_hash", sa.String(length=64), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("registry_did"),
    )
    op.create_table(
        "recognition",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("authority_id", sa.String(length=512), nullable=False),
        sa.Column("entity_id", sa.String(length=2048), nullable=False),
        sa.Column("action", sa.String(length=128), nullable=False),
        sa.Column("resource", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recognition_authority_id", "recognition", ["authority_id"], unique=False)
    op.create_index("ix_recognition_entity_id", "recognition", ["entity_id"], unique=False)

    op.create_table(
        "registry_event",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=512), nullable=False),
        sa.Column("entity_id", sa.String(length=2048), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("hash"),
    )
    op.create_index("ix_registry_event_entity_id", "registry_event", ["entity_id"], unique=False)
    op.create_index("ix_registry_event_kind", "registry_event", ["kind"], unique=False)
    op.create_index("ix_registry_event_subject", "registry_event", ["subject"], unique=False)

    op.create_table(
        "revocation_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("credential_id", sa.String(length=128), nullable=False),
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column("list_index", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("previous_status", sa.String(length=16), nullable=False),
        sa.Column("new_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=512), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("prev_hash"),
    )
    op.create_index(
        "ix_revocation_log_credential_id", "revocation_log", ["credential_id"], unique=False
    )

    op.create_table(
        "signing_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_did", sa.String(length=2048), nullable=False),
        sa.Column("kid", sa.String(length=2600), nullable=False),
        sa.Column("key_ref", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("compromised_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kid"),
    )
    op.create_index("ix_signing_key_owner_did", "signing_key", ["owner_did"], unique=False)

    op.create_table(
        "status_list",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("issuer_did", sa.String(length=512), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer_did", "seq", name="uq_status_list_issuer_seq"),
    )
    op.create_index("ix_status_list_issuer_did", "status_list", ["issuer_did"], unique=False)

    op.create_table(
        "wallet_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_did", sa.String(length=2048), nullable=False),
        sa.Column("credential_id", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("issuer_did", sa.String(length=512), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("holder_did", "credential_id"),
    )
    op.create_index(
        "ix_wallet_credential_holder_did", "wallet_credential", ["holder_did"], unique=False
    )

    op.create_table(
        "status_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column("list_index", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=128), nullable=False),
        sa.Column("credential_type", sa.String(length=128), nullable=False),
        sa.Column("issuer_did", sa.String(length=512), nullable=False),
        sa.Column("suspendable", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_list.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credential_id"),
        sa.UniqueConstraint("list_id", "list_index", name="uq_status_entry_list_index"),
    )
    op.create_table(
        "status_list_document",
        sa.Column("id", sa.String(length=96), nullable=False),
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=600), nullable=False),
        sa.Column("kid", sa.String(length=2600), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_list.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_status_list_document_list_id", "status_list_document", ["list_id"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_status_list_document_list_id", table_name="status_list_document")

    op.drop_table("status_list_document")
    op.drop_table("status_entry")
    op.drop_index("ix_wallet_credential_holder_did", table_name="wallet_credential")

    op.drop_table("wallet_credential")
    op.drop_index("ix_status_list_issuer_did", table_name="status_list")

    op.drop_table("status_list")
    op.drop_index("ix_signing_key_owner_did", table_name="signing_key")

    op.drop_table("signing_key")
    op.drop_index("ix_revocation_log_credential_id", table_name="revocation_log")

    op.drop_table("revocation_log")
    op.drop_index("ix_registry_event_subject", table_name="registry_event")
    op.drop_index("ix_registry_event_kind", table_name="registry_event")
    op.drop_index("ix_registry_event_entity_id", table_name="registry_event")

    op.drop_table("registry_event")
    op.drop_index("ix_recognition_entity_id", table_name="recognition")
    op.drop_index("ix_recognition_authority_id", table_name="recognition")

    op.drop_table("recognition")
    op.drop_table("published_trust_list")
    op.drop_table("jurisdiction_flag")
    op.drop_index("ix_issuer_name", table_name="issuer")
    op.drop_index("ix_issuer_did", table_name="issuer")

    op.drop_table("issuer")
    op.drop_index("ix_issued_credential_type", table_name="issued_credential")
    op.drop_index("ix_issued_credential_issuer_did", table_name="issued_credential")
    op.drop_index("ix_issued_credential_holder_did", table_name="issued_credential")

    op.drop_table("issued_credential")
    op.drop_table("home_setting")
    op.drop_index("ix_holder_name", table_name="holder")
    op.drop_index("ix_holder_did", table_name="holder")

    op.drop_table("holder")
    op.drop_table("api_token")
    op.drop_index("ix_api_audit_token_id", table_name="api_audit")
    op.drop_index("ix_api_audit_at", table_name="api_audit")

    op.drop_table("api_audit")
    op.drop_index("ix_accreditation_entity_id", table_name="accreditation")
    op.drop_index("ix_accreditation_authority_id", table_name="accreditation")
    op.drop_index("ix_accreditation_action", table_name="accreditation")

    op.drop_table("accreditation")

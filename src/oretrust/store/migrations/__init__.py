"""Alembic migrations of the oretrust database (see :mod:`oretrust.store.migrate`)."""

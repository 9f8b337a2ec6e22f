"""Persistence: SQLModel tables and engines. Only store/ and the services import tables."""

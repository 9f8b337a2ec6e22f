"""Persistence: SQLModel tables and engines. Nothing outside store/ and the services imports tables."""

"""A registry *home*: one folder holding ``oretrust.db`` (SQLite) and ``keys/``.

``--home DIR`` or ``ORETRUST_HOME`` selects it (default: the current folder);
``ORETRUST_DATABASE_URL`` points the database elsewhere (PostgreSQL in production), and
``ORETRUST_KEYS_DIR`` the key store (one mounted secret folder that every worker and replica
reads, instead of each machine's ``keys/``).
A :class:`Home` is a plain context — folder, database engine, key store — that the services
and roles above take as a parameter; it imports nothing above ``store/`` and ``keys``. The
composition roots (:func:`oretrust.hosted_dids.did_resolver`,
:func:`oretrust.verifier.verifier_for`) keep what they build for a home in ``Home.services``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import Engine
from sqlmodel import Session

from oretrust.blocking import about_to_block
from oretrust.keys import FileKeyStore
from oretrust.store.db import create_schema, make_engine
from oretrust.store.models import HomeSetting

__all__ = ["Home", "Settings"]

DEFAULT_DOMAIN = "localhost%3A8000"


class Settings(BaseSettings):
    """Process settings, read from ``ORETRUST_*`` environment variables.

    ``keys_dir`` (``ORETRUST_KEYS_DIR``) replaces the home's ``keys/`` folder, so replicas
    share one key source. ``did_web_hosts`` (``ORETRUST_DID_WEB_HOSTS``,
    ``domain=base-url,…``) and ``ca_bundle`` (``ORETRUST_CA_BUNDLE``) shape the network
    fetcher; they are parsed and checked where it is built
    (:func:`oretrust.hosted_dids.network_fetcher`).
    """

    model_config = SettingsConfigDict(env_prefix="ORETRUST_", extra="ignore")

    home: Path = Path(".")
    database_url: str | None = None
    key_passphrase: str | None = None
    keys_dir: Path | None = None
    did_web_hosts: str = ""
    ca_bundle: Path | None = None


@dataclass
class Home:
    """An opened home: its folder, database engine and key store."""

    path: Path
    engine: Engine
    keys: FileKeyStore
    #: What the composition roots built for this home (DID resolvers, caches), by key.
    services: dict[object, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: Path | None = None, *, database_url: str | None = None) -> Home:
        """Open (creating if needed) the home at ``path`` or ``ORETRUST_HOME``.

        The database is ``database_url``, else ``ORETRUST_DATABASE_URL``, else the home's
        embedded SQLite file ``oretrust.db``; the keys are ``ORETRUST_KEYS_DIR``, else the
        home's ``keys/``. A fresh database gets the newest schema; one at
        an older schema revision raises SchemaOutdatedError (run ``oretrust db upgrade``).
        """
        settings = Settings()
        folder, url = cls.locate(path, database_url=database_url)
        folder.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url)
        try:
            create_schema(engine)
        except BaseException:  # a refused schema leaves no connection open behind it
            engine.dispose()
            raise
        passphrase = settings.key_passphrase.encode() if settings.key_passphrase else None
        return cls(folder, engine, FileKeyStore(cls.keys_folder(folder), passphrase))

    @staticmethod
    def keys_folder(folder: Path) -> Path:
        """The key store folder of the home at ``folder``: ``ORETRUST_KEYS_DIR`` or ``keys/``.

        ``oretrust backup`` and ``restore`` use it to find the keys without opening the home.
        """
        keys_dir = Settings().keys_dir
        return keys_dir.resolve() if keys_dir else folder / "keys"

    @staticmethod
    def locate(path: Path | None = None, *, database_url: str | None = None) -> tuple[Path, str]:
        """The folder and database URL :meth:`open` would use (nothing is created).

        ``oretrust db upgrade`` uses it to reach a database that ``open`` refuses.
        """
        settings = Settings()
        folder = (path or settings.home).resolve()
        url = database_url or settings.database_url or f"sqlite:///{folder / 'oretrust.db'}"
        return folder, url

    def session(self) -> Session:
        """A new database session (use as a context manager). Refused inside
        :func:`oretrust.blocking.inline` (the event loop must not wait on the database)."""
        about_to_block("database session")
        return Session(self.engine, expire_on_commit=False)

    @property
    def domain(self) -> str:
        """The public host (percent-encoded port) under which did:web issuers are served."""
        with self.session() as session:
            setting = session.get(HomeSetting, "domain")
        return setting.value if setting else DEFAULT_DOMAIN

    @property
    def base_url(self) -> str:
        """``https://`` + the decoded domain: the prefix of this home's status-list URLs."""
        return "https://" + unquote(self.domain)

    def set_domain(self, domain: str) -> None:
        """Record the home's public host for derived did:web identifiers."""
        with self.session() as session:
            session.merge(HomeSetting(key="domain", value=domain))
            session.commit()

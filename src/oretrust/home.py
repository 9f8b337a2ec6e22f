"""A registry *home*: one folder holding ``oretrust.db`` (SQLite) and ``keys/``.

``--home DIR`` or ``ORETRUST_HOME`` selects it (default: the current folder);
``ORETRUST_DATABASE_URL`` points the database elsewhere (PostgreSQL in production).
A home resolves the DIDs it hosts from its own database, never over the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from oretrust.did import DefaultDidResolver, DidResolver, HttpsFetcher, build_did_web_document
from oretrust.keys import FileKeyStore
from oretrust.store.db import create_schema, make_engine
from oretrust.store.models import HomeSetting, IssuerRecord, KeyRecord

if TYPE_CHECKING:
    from oretrust.verifier import Verifier

__all__ = ["Home", "Settings", "did_document_for"]

DEFAULT_DOMAIN = "localhost%3A8000"


class Settings(BaseSettings):
    """Process settings, read from ``ORETRUST_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ORETRUST_", extra="ignore")

    home: Path = Path(".")
    database_url: str | None = None
    key_passphrase: str | None = None


@dataclass
class Home:
    """An opened home: its folder, database engine and key store."""

    path: Path
    engine: Engine
    keys: FileKeyStore
    #: One resolver per ``allow_network`` setting (the networked one owns an HTTP client).
    _resolvers: dict[bool, DidResolver] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: Path | None = None, *, database_url: str | None = None) -> Home:
        """Open (creating if needed) the home at ``path`` or ``ORETRUST_HOME``.

        The database is ``database_url``, else ``ORETRUST_DATABASE_URL``, else the home's
        embedded SQLite file ``oretrust.db``. A fresh database gets the newest schema; one at
        an older schema revision raises SchemaOutdatedError (run ``oretrust db upgrade``).
        """
        settings = Settings()
        folder, url = cls.locate(path, database_url=database_url)
        folder.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url)
        create_schema(engine)
        passphrase = settings.key_passphrase.encode() if settings.key_passphrase else None
        return cls(folder, engine, FileKeyStore(folder / "keys", passphrase))

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
        """A new database session (use as a context manager)."""
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

    def local_did_document(self, did: str) -> dict[str, Any] | None:
        """The DID document of an issuer hosted here, or None (holders' did:jwk resolve alone)."""
        with self.session() as session:
            if session.exec(select(IssuerRecord).where(IssuerRecord.did == did)).first() is None:
                return None
            keys = list(session.exec(select(KeyRecord).where(KeyRecord.owner_did == did)))
        return did_document_for(did, keys)

    def resolver(self, *, allow_network: bool = True) -> DidResolver:
        """DID resolver: this home's DIDs from the database, others over HTTPS (if allowed).

        With ``allow_network=False`` a did:web this home does not host raises ResolutionError
        (``DID_NOT_FOUND``), whatever resolver an earlier call asked for.
        """
        resolver = self._resolvers.get(allow_network)
        if resolver is None:
            fetcher = HttpsFetcher() if allow_network else None
            resolver = DefaultDidResolver(fetcher=fetcher, local=self.local_did_document)
            self._resolvers[allow_network] = resolver
        return resolver

    def verifier(self, *, now: datetime | None = None, allow_network: bool = True) -> Verifier:
        """The Verifier every caller with a home uses: DIDs as :meth:`resolver`, plus status.

        Status lists this home hosts are read from its database (signed lazily, at ``now``
        or the current time); others are fetched over HTTPS when ``allow_network``.
        """
        from oretrust.status.home_verifier import home_verifier  # status/ imports home

        return home_verifier(self, now=now, allow_network=allow_network)


def did_document_for(did: str, keys: list[KeyRecord]) -> dict[str, Any]:
    """did:web document listing every key ever used (so old credentials keep verifying).

    Compromised keys stay listed with the Security Vocabulary's ``revoked`` time, so a
    verifier rejects what they signed from then on but not before.
    """
    methods = [(key.kid.split("#", 1)[1], key.public_jwk) for key in keys]
    document = build_did_web_document(did, methods)
    for method in document.get("verificationMethod", []):
        for key in keys:
            if method["id"] == key.kid and key.compromised_at is not None:
                method["revoked"] = key.compromised_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return document

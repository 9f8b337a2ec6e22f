"""Signing keys: generation, the file key store, and the ``Signer`` seam for HSMs.

Private keys live only in a home's ``keys/`` folder as PKCS#8 PEM files with mode 0600,
encrypted with ``ORETRUST_KEY_PASSPHRASE`` when it is set (a warning is logged otherwise).
Nothing else in oretrust touches private key material: issuers and holders get a
:class:`Signer`, which an HSM/KMS implementation can replace without changing their code.

Which key is active, retired or compromised is recorded in the database (``store/``); this
module only creates, stores and loads key material.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from oretrust.codes import Code
from oretrust.encoding import b64url_decode
from oretrust.errors import InputError, KeyStoreError, OreTrustError
from oretrust.jwk import public_jwk

__all__ = [
    "SUPPORTED_KEY_ALGORITHMS",
    "FileKeyStore",
    "LocalSigner",
    "PrivateKey",
    "Signer",
    "generate_private_key",
    "private_key_from_jwk",
]

log = logging.getLogger(__name__)

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey

#: Algorithms oretrust generates keys for. EdDSA (Ed25519) is the default.
SUPPORTED_KEY_ALGORITHMS = ("EdDSA", "ES256")

_KEY_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EC_SIGNING: dict[str, tuple[str, hashes.HashAlgorithm, int]] = {
    "secp256r1": ("ES256", hashes.SHA256(), 32),
    "secp384r1": ("ES384", hashes.SHA384(), 48),
    "secp521r1": ("ES512", hashes.SHA512(), 66),
}
_EC_CURVES_BY_JWK = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}


@runtime_checkable
class Signer(Protocol):
    """Signs JWS input with one key. ``kid`` is the DID URL verifiers resolve the key by."""

    @property
    def algorithm(self) -> str: ...

    @property
    def kid(self) -> str: ...

    @property
    def public_jwk(self) -> dict[str, str]: ...

    def sign(self, message: bytes) -> bytes: ...


def generate_private_key(algorithm: str = "EdDSA") -> PrivateKey:
    """Create a fresh private key for ``algorithm`` (``EdDSA`` or ``ES256``)."""
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    raise InputError(
        f"unsupported key algorithm {algorithm!r}; "
        f"use one of {', '.join(SUPPORTED_KEY_ALGORITHMS)}",
        code=Code.UNSUPPORTED_ALGORITHM,
    )


@dataclass(frozen=True)
class LocalSigner:
    """A :class:`Signer` over an in-process private key (file key store, tests)."""

    private_key: PrivateKey
    kid: str

    @property
    def algorithm(self) -> str:
        """EdDSA for Ed25519 keys, ES256/ES384/ES512 for P-256/P-384/P-521 keys."""
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            return "EdDSA"
        return _EC_SIGNING[self.private_key.curve.name][0]

    @property
    def public_jwk(self) -> dict[str, str]:
        """The public half as a JWK; never contains private members."""
        return public_jwk(self.private_key.public_key())

    def sign(self, message: bytes) -> bytes:
        """Sign; ECDSA signatures are returned in JOSE form (raw ``r || s``)."""
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            return self.private_key.sign(message)
        _, hash_algorithm, size = _EC_SIGNING[self.private_key.curve.name]
        der = self.private_key.sign(message, ec.ECDSA(hash_algorithm))
        r, s = decode_dss_signature(der)
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def __repr__(self) -> str:  # never print key material
        return f"LocalSigner(kid={self.kid!r}, algorithm={self.algorithm!r})"


def private_key_from_jwk(jwk: dict[str, Any]) -> PrivateKey:
    """Import a private JWK (Ed25519 or NIST EC), e.g. a key handed over for migration."""
    try:
        secret = b64url_decode(str(jwk["d"]))
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PrivateKey.from_private_bytes(secret)
        if jwk.get("kty") == "EC" and jwk.get("crv") in _EC_CURVES_BY_JWK:
            curve = _EC_CURVES_BY_JWK[str(jwk["crv"])]
            return ec.derive_private_key(int.from_bytes(secret, "big"), curve)
    except (KeyError, ValueError, OreTrustError) as exc:
        raise KeyStoreError("invalid private JWK") from exc
    raise KeyStoreError(f"unsupported private JWK kty={jwk.get('kty')!r} crv={jwk.get('crv')!r}")


class FileKeyStore:
    """Private keys as PKCS#8 PEM files (mode 0600) in one folder.

    ``passphrase`` encrypts new files and decrypts existing ones; ``None`` stores them in
    the clear with a warning (acceptable for a demo, not for production).

    A key once loaded is kept, parsed, for as long as its file is unchanged (same inode, size
    and modification time): issuance used to read, parse and — for an encrypted key — run the
    passphrase's key derivation on every credential. A replaced file (a restore) is read
    again; a failed load is never kept.
    """

    def __init__(self, folder: Path, passphrase: bytes | None) -> None:
        self.folder = folder
        self._passphrase = passphrase or None
        self._warned = False
        self._loaded: dict[str, tuple[tuple[int, int, int], PrivateKey]] = {}

    @classmethod
    def from_environment(cls, folder: Path) -> FileKeyStore:
        """Key store using ``ORETRUST_KEY_PASSPHRASE`` if set."""
        passphrase = os.environ.get("ORETRUST_KEY_PASSPHRASE")
        return cls(folder, passphrase.encode() if passphrase else None)

    def create(self, algorithm: str = "EdDSA") -> tuple[str, PrivateKey]:
        """Generate and store a new key; return its file name (key reference) and the key."""
        key = generate_private_key(algorithm)
        name = secrets.token_hex(8)
        self._write(name, key)
        return name, key

    def load(self, name: str) -> PrivateKey:
        """Load a stored key by reference; raise KeyStoreError if missing or undecryptable."""
        path = self._path(name)
        try:
            stat = path.stat()
            version = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            kept = self._loaded.get(name)
            if kept is not None and kept[0] == version:
                return kept[1]
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise KeyStoreError(f"private key {name!r} not found in {self.folder}") from exc
        key = self._parse(name, data)
        self._loaded[name] = (version, key)
        return key

    def _parse(self, name: str, data: bytes) -> PrivateKey:
        """The key in PEM ``data`` (decrypted with the passphrase when the file is encrypted)."""
        encrypted = b"ENCRYPTED" in data.split(b"\n", 1)[0]
        if encrypted and self._passphrase is None:
            raise KeyStoreError(
                f"private key {name!r} is encrypted: set ORETRUST_KEY_PASSPHRASE",
                code=Code.KEY_PASSPHRASE_REQUIRED,
            )
        try:
            key = serialization.load_pem_private_key(
                data, password=self._passphrase if encrypted else None
            )
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyStoreError(
                f"private key {name!r} cannot be loaded (wrong ORETRUST_KEY_PASSPHRASE?)",
                code=Code.KEY_DECRYPTION_FAILED,
            ) from exc
        if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyStoreError(f"private key {name!r} has an unsupported type")
        return key

    @property
    def encrypts(self) -> bool:
        """Whether this store has a passphrase (new keys are encrypted with it)."""
        return self._passphrase is not None

    def is_encrypted(self, name: str) -> bool:
        """Whether key ``name`` is stored encrypted; it is loaded first, so a missing key or
        a missing or wrong passphrase raises KeyStoreError here, as :meth:`load` does."""
        self.load(name)
        return b"ENCRYPTED" in self._path(name).read_bytes().split(b"\n", 1)[0]

    def signer(self, name: str, kid: str) -> LocalSigner:
        """A signer for a stored key, published under the DID URL ``kid``."""
        return LocalSigner(self.load(name), kid)

    def _path(self, name: str) -> Path:
        if not _KEY_NAME.match(name):
            raise KeyStoreError(f"invalid key reference {name!r}")
        return self.folder / f"{name}.pem"

    def _write(self, name: str, key: PrivateKey) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self._passphrase is None:
            if not self._warned:
                log.warning("ORETRUST_KEY_PASSPHRASE is not set: storing private keys unencrypted")
                self._warned = True
            encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
        else:
            encryption = serialization.BestAvailableEncryption(self._passphrase)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        path = self._path(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        os.chmod(path, 0o600)

"""Keys: generation, the encrypted file key store, JWK thumbprints, rotation and compromise."""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from oretrust.errors import InputError, KeyStoreError
from oretrust.formats.jws import parse_compact, sign_compact, verify_signature
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.identities import add_issuer, list_keys, mark_key_compromised, rotate_key, signer_for
from oretrust.jwk import public_jwk, public_key_from_jwk, thumbprint
from oretrust.keys import FileKeyStore, LocalSigner, generate_private_key
from oretrust.verifier import Verifier
from vectors import VECTORS


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256"])
def test_signer_round_trip(algorithm: str) -> None:
    signer = LocalSigner(generate_private_key(algorithm), "did:web:x.example#key-1")
    assert signer.algorithm == algorithm
    token = sign_compact({"typ": "JWT"}, b'{"a":1}', signer)
    assert verify_signature(parse_compact(token), signer.public_jwk) == b'{"a":1}'
    assert "d" not in signer.public_jwk


def test_unsupported_algorithm_refused() -> None:
    with pytest.raises(InputError, match="unsupported key algorithm"):
        generate_private_key("RS256")


def test_signer_repr_never_shows_key_material() -> None:
    signer = LocalSigner(generate_private_key(), "did:web:x.example#key-1")
    assert repr(signer) == "LocalSigner(kid='did:web:x.example#key-1', algorithm='EdDSA')"


def test_rfc8037_ed25519_thumbprint() -> None:
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


@pytest.mark.parametrize(
    "name", ["vm-ed25519.json", "vm-p256.json", "vm-p384.json", "vm-p521.json"]
)
def test_vc_jose_cose_kids_are_rfc7638_thumbprints(name: str) -> None:
    vm = json.loads((VECTORS / "vc-jose-cose" / "input" / name).read_text())
    public = {k: v for k, v in vm["publicKeyJwk"].items() if k not in ("kid", "alg")}
    assert thumbprint(public) == vm["publicKeyJwk"]["kid"]
    assert public_jwk(public_key_from_jwk(public)) == public


def test_public_jwk_with_private_member_refused() -> None:
    vm = json.loads((VECTORS / "vc-jose-cose" / "input" / "vm-ed25519.json").read_text())
    with pytest.raises(InputError):
        public_key_from_jwk(vm["secretKeyJwk"])


def test_key_files_are_0600_and_encrypted_with_passphrase(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys", b"correct horse battery staple")
    name, key = store.create("EdDSA")
    path = tmp_path / "keys" / f"{name}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = store.load(name)
    assert loaded.public_key().public_bytes_raw() == key.public_key().public_bytes_raw()  # type: ignore[union-attr]


def test_wrong_passphrase_refused(tmp_path: Path) -> None:
    name, _ = FileKeyStore(tmp_path, b"right").create()
    with pytest.raises(KeyStoreError) as caught:
        FileKeyStore(tmp_path, b"wrong").load(name)
    assert caught.value.code == "KEY_DECRYPTION_FAILED"


def test_encrypted_key_without_passphrase_refused(tmp_path: Path) -> None:
    name, _ = FileKeyStore(tmp_path, b"secret").create()
    with pytest.raises(KeyStoreError) as caught:
        FileKeyStore(tmp_path, None).load(name)
    assert caught.value.code == "KEY_PASSPHRASE_REQUIRED"


def test_unencrypted_store_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        name, _ = FileKeyStore(tmp_path, None).create()
    assert "ORETRUST_KEY_PASSPHRASE is not set" in caplog.text
    assert (tmp_path / f"{name}.pem").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_key_reference_path_traversal_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="invalid key reference") as caught:
        FileKeyStore(tmp_path, None).load("../../etc/passwd")
    assert caught.value.code == "KEY_STORE_ERROR"


def _ministry(tmp_path: Path, now: datetime) -> Home:
    home = Home.open(tmp_path, database_url=f"sqlite:///{tmp_path / 'oretrust.db'}")
    add_issuer(
        home, "ministry", display_name="Ministry of Mines", did="did:web:mines.example", now=now
    )
    return home


def _signed_at(home: Home, when: datetime) -> str:
    from oretrust.formats.vc_jwt import sign_credential

    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:mines.example",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:kivu", "licenceNumber": "PE 13258"},
    }
    return sign_credential(credential, signer_for(home, "did:web:mines.example"), now=when)


def test_rotation_keeps_old_credentials_verifiable(tmp_path: Path, now: datetime) -> None:
    home = _ministry(tmp_path, now)
    old = _signed_at(home, now)
    new_key = rotate_key(home, "ministry", now=now + timedelta(days=1))
    assert new_key.kid == "did:web:mines.example#key-2"
    assert signer_for(home, "did:web:mines.example").kid == new_key.kid
    new = _signed_at(home, now + timedelta(days=1))
    verifier = Verifier(did_resolver(home, allow_network=False))
    assert verifier.check_credential(old, now=now + timedelta(days=2)).verified
    assert verifier.check_credential(new, now=now + timedelta(days=2)).verified
    assert [k.active for k in list_keys(home, "did:web:mines.example")] == [False, True]


def test_compromised_key_rejects_what_it_signed_after(tmp_path: Path, now: datetime) -> None:
    home = _ministry(tmp_path, now)
    before = _signed_at(home, now)
    after = _signed_at(home, now + timedelta(days=10))  # e.g. a stolen key used later
    mark_key_compromised(
        home, "did:web:mines.example#key-1", as_of=now + timedelta(days=5), now=now
    )
    verifier = Verifier(did_resolver(home, allow_network=False))
    ok = verifier.check_credential(before, now=now + timedelta(days=20))
    bad = verifier.check_credential(after, now=now + timedelta(days=20))
    assert ok.verified, ok.to_dict()
    assert not bad.verified
    assert bad.code == "KEY_COMPROMISED"
    assert signer_for(home, "did:web:mines.example").kid == "did:web:mines.example#key-2"


def test_compromising_the_only_active_key_makes_a_new_key_active(
    tmp_path: Path, now: datetime
) -> None:
    """In the same step: the issuer can sign (and re-sign its lists) at once, and what the
    new key signs verifies while the stolen key's signatures from then on do not."""
    home = _ministry(tmp_path, now)
    stolen = mark_key_compromised(home, "did:web:mines.example#key-1", as_of=now, now=now)
    assert stolen.compromised_at == now and not stolen.active
    keys = list_keys(home, "did:web:mines.example")
    assert [(k.kid, k.active, k.compromised_at) for k in keys] == [
        ("did:web:mines.example#key-1", False, now),
        ("did:web:mines.example#key-2", True, None),
    ]
    assert keys[1].public_jwk != keys[0].public_jwk
    fresh = _signed_at(home, now + timedelta(minutes=1))
    assert parse_compact(fresh).unverified_header["kid"] == "did:web:mines.example#key-2"
    verifier = Verifier(did_resolver(home, allow_network=False))
    assert verifier.check_credential(fresh, now=now + timedelta(minutes=2)).verified


def test_compromising_a_retired_key_makes_no_new_key(tmp_path: Path, now: datetime) -> None:
    home = _ministry(tmp_path, now)
    rotate_key(home, "ministry", now=now)
    mark_key_compromised(home, "did:web:mines.example#key-1", as_of=now, now=now)
    keys = list_keys(home, "did:web:mines.example")
    assert [(k.kid, k.active) for k in keys] == [
        ("did:web:mines.example#key-1", False),
        ("did:web:mines.example#key-2", True),
    ]


@pytest.mark.slow  # CLI processes: behind the marker .ci/run also runs
def test_cli_compromise_key_leaves_the_issuer_able_to_issue(tmp_path: Path) -> None:
    """``oretrust issuer compromise-key`` on the only key: a new one is active at once, the
    issuer's status list is re-signed with it, and what it issues next verifies."""
    from conftest import run_oretrust
    from oretrust.credentials import EXAMPLES

    home, subject = str(tmp_path / "home"), tmp_path / "subject.json"
    subject.write_text(json.dumps(EXAMPLES["MiningLicenceCredential"]))
    issue = ("issue", "--issuer", "ministry", "--type", "MiningLicenceCredential")
    added = run_oretrust("issuer", "add", "ministry", "--display-name", "Mines", "--home", home)
    assert added.returncode == 0, added.stderr
    assert run_oretrust(*issue, "--subject", str(subject), "--home", home).returncode == 0
    kid = "did:web:localhost%3A8000:issuers:ministry#key-1"
    compromised = run_oretrust(
        "issuer", "compromise-key", kid, "--as-of", "2020-01-01T00:00:00Z", "--home", home
    )
    assert compromised.returncode == 0, compromised.stderr
    assert "active key is now did:web:localhost%3A8000:issuers:ministry#key-2" in compromised.stdout
    token = tmp_path / "after.jwt"
    issued = run_oretrust(*issue, "--subject", str(subject), "--out", str(token), "--home", home)
    assert issued.returncode == 0, issued.stderr
    verified = run_oretrust("verify", str(token), "--json", "--home", home)
    assert verified.returncode == 0, verified.stdout  # its status list verifies too


def test_a_loaded_key_is_kept_until_its_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issuance loads the signing key per credential: an encrypted key is decrypted (its
    passphrase's key derivation run) once, and read again only when the file is replaced."""
    store = FileKeyStore(tmp_path, b"correct horse")
    name, _ = store.create()
    parsed: list[str] = []
    real_parse = store._parse
    monkeypatch.setattr(store, "_parse", lambda n, data: parsed.append(n) or real_parse(n, data))
    first = store.load(name)
    assert store.load(name) is first and parsed == [name]
    other = FileKeyStore(tmp_path / "other", b"correct horse")
    other_name, _ = other.create()
    replacement = (tmp_path / "other" / f"{other_name}.pem").read_bytes()
    path = tmp_path / f"{name}.pem"
    before = path.stat().st_mtime_ns
    path.write_bytes(replacement)
    os.utime(path, ns=(before + 10**9, before + 10**9))  # whatever the clock's granularity
    assert store.load(name) is not first and parsed == [name, name]
    (tmp_path / f"{name}.pem").unlink()
    with pytest.raises(KeyStoreError, match="not found"):
        store.load(name)

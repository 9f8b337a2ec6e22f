"""Presentations built from the wallet (internal; the face is :mod:`oretrust.holder`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oretrust.codes import Code
from oretrust.credentials.disclosure import format_path, has_claim
from oretrust.custody import credential_digest, derived_digests
from oretrust.errors import ConflictError, InputError, NotFoundError
from oretrust.formats.dates import parse_datetime
from oretrust.formats.jws import parse_compact
from oretrust.formats.sd_jwt import SD_JWT_VC_TYP, parse_sd_jwt
from oretrust.formats.sd_jwt import present_sd_jwt as present_sd_jwt_token
from oretrust.formats.sd_jwt_core import DEFAULT_LIMITS
from oretrust.formats.sd_jwt_processing import process_payload
from oretrust.formats.vc_jwt import sign_presentation
from oretrust.holder._custody import CUSTODY_TYPE, PERIOD_ACCOUNT_TYPE
from oretrust.holder._wallet import (
    VC_JWT,
    WalletCredential,
    WalletCredentialDetails,
    list_wallet,
    receive_credential,
    show,
    wallet_of,
)
from oretrust.home import Home
from oretrust.identities import HolderPublic, find_holder, signer_for
from oretrust.verifier import Verifier, verifier_for

__all__ = [
    "ClaimPath",
    "Presentation",
    "PresentationRequest",
    "WalletCredential",
    "WalletCredentialDetails",
    "build_presentation",
    "list_wallet",
    "present",
    "present_sd_jwt",
    "receive_credential",
    "show",
]

#: A claim path in the SD-JWT VC claim set: ``("mineSite", "coordinates")``.
ClaimPath = tuple[str, ...]


@dataclass(frozen=True)
class PresentationRequest:
    """What a verifier asked for: its challenge, the credentials, the claims to disclose.

    ``disclose`` applies to every SD-JWT VC in the request that has the claim;
    ``disclose_for`` adds paths for one credential id. Claims that are always visible need not
    be named; withholdable claims not named stay hidden.
    """

    nonce: str
    audience: str
    credential_ids: tuple[str, ...]
    disclose: tuple[ClaimPath, ...] = ()
    disclose_for: Mapping[str, tuple[ClaimPath, ...]] = field(default_factory=dict)
    lifetime: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class Presentation:
    """A presentation as the scripting contract writes it to ``presentations/<name>.json``."""

    presentation: str
    format: str  # "vp+jwt" or "dc+sd-jwt"
    nonce: str
    audience: str

    def to_dict(self) -> dict[str, str]:
        """``{"presentation", "format", "nonce", "audience"}``."""
        return {
            "presentation": self.presentation,
            "format": self.format,
            "nonce": self.nonce,
            "audience": self.audience,
        }


def present(
    home: Home,
    holder: str,
    credential_ids: Sequence[str],
    *,
    nonce: str,
    audience: str,
    now: datetime,
    lifetime: timedelta = timedelta(minutes=5),
    disclose: Sequence[ClaimPath] = (),
    disclose_for: Mapping[str, Sequence[ClaimPath]] | None = None,
) -> str:
    """A ``vp+jwt`` of the chosen wallet credentials for one verifier challenge.

    SD-JWT VCs go in as ``data:application/dc+sd-jwt`` envelopes disclosing only the
    requested paths (``disclose`` for every SD-JWT VC that has the claim, ``disclose_for`` by
    credential id); the vp signature binds them. Refuses credentials not in the wallet
    (NotFoundError) and ones the holder can see are expired (InputError
    ``CREDENTIAL_EXPIRED``), revoked or suspended (ConflictError).
    """
    _require_challenge(credential_ids, nonce, audience)
    owner = find_holder(home, holder)
    entries = _usable(home, owner, credential_ids, now)
    return _sign_vp(
        home, owner, entries, tuple(disclose), disclose_for or {}, nonce, audience, now, lifetime
    )


def present_sd_jwt(
    home: Home,
    holder: str,
    credential_id: str,
    *,
    disclose: Sequence[ClaimPath],
    nonce: str,
    audience: str,
    now: datetime,
) -> str:
    """An SD-JWT+KB of one wallet SD-JWT VC disclosing only ``disclose`` (withholdable claims
    not named stay hidden), key-bound with the holder's key to ``nonce`` and ``audience``.

    Refuses as :func:`present`; InputError ``NOT_AN_SD_JWT`` for a vc+jwt,
    ``CLAIM_PATH_NOT_FOUND`` for a path the credential does not have.
    """
    _require_challenge([credential_id], nonce, audience)
    owner = find_holder(home, holder)
    (entry,) = _usable(home, owner, [credential_id], now)
    if entry.format != SD_JWT_VC_TYP:
        raise InputError(
            f"{credential_id} is a {entry.format}, not an SD-JWT VC", code=Code.NOT_AN_SD_JWT
        )
    return _sign_kb(home, owner, entry, list(disclose), nonce, audience, now)


def build_presentation(
    home: Home, holder: str, request: PresentationRequest, *, now: datetime
) -> Presentation:
    """The presentation a request calls for: SD-JWT+KB for a single SD-JWT VC, else vp+jwt.

    Refuses as :func:`present`; InputError ``CLAIM_PATH_NOT_FOUND`` for a requested claim
    that no SD-JWT VC presented has.
    """
    _require_challenge(request.credential_ids, request.nonce, request.audience)
    owner = find_holder(home, holder)
    entries = _usable(home, owner, request.credential_ids, now)
    if len(entries) == 1 and entries[0].format == SD_JWT_VC_TYP:
        paths = _paths_for(entries[0], request.disclose, request.disclose_for, strict=True)
        token = _sign_kb(home, owner, entries[0], paths, request.nonce, request.audience, now)
        return Presentation(token, SD_JWT_VC_TYP, request.nonce, request.audience)
    token = _sign_vp(
        home,
        owner,
        entries,
        request.disclose,
        request.disclose_for,
        request.nonce,
        request.audience,
        now,
        request.lifetime,
    )
    return Presentation(token, "vp+jwt", request.nonce, request.audience)


# ---------------------------------------------------------------------- internals
def _require_challenge(credential_ids: Sequence[str], nonce: str, audience: str) -> None:
    if not credential_ids:
        raise InputError("choose at least one credential to present", code=Code.NOTHING_TO_PRESENT)
    if not nonce or not audience:
        raise InputError(
            "a presentation needs the verifier's nonce and audience", code=Code.CHALLENGE_REQUIRED
        )


def _usable(
    home: Home, owner: HolderPublic, credential_ids: Sequence[str], now: datetime
) -> list[WalletCredential]:
    """The chosen wallet credentials; NotFoundError, or refused as :func:`_refuse_unusable`."""
    wallet = {entry.credential_id: entry for entry in wallet_of(home, owner)}
    missing = [credential_id for credential_id in credential_ids if credential_id not in wallet]
    if missing:
        raise NotFoundError(f"{missing[0]} is not in {owner.name}'s wallet")
    chosen = [wallet[credential_id] for credential_id in credential_ids]
    chosen += _custody_for(chosen, wallet.values())
    verifier = verifier_for(home)
    for entry in chosen:
        _refuse_unusable(verifier, entry, now)
    return chosen


def _custody_for(
    chosen: Sequence[WalletCredential], wallet: Iterable[WalletCredential]
) -> list[WalletCredential]:
    """The wallet's custody events and period accounts that carry the chosen documents to the
    holder (each derives from a chosen document or from one of these): a trader presenting
    the mine's origin certificate must show the chain that put the lot in its hands."""
    reached = {credential_digest(entry.token) for entry in chosen}
    ids = {entry.credential_id for entry in chosen}
    events = [
        entry
        for entry in wallet
        if entry.type in (CUSTODY_TYPE, PERIOD_ACCOUNT_TYPE) and entry.credential_id not in ids
    ]
    added: list[WalletCredential] = []
    grown = True
    while grown:
        grown = False
        for entry in events:
            if entry in added or not reached & _references(entry.token):
                continue
            added.append(entry)
            reached.add(credential_digest(entry.token))
            grown = True
    return added


def _references(token: str) -> set[str]:
    """What a wallet custody event (verified when it was received) derives from."""
    return derived_digests(parse_compact(token).unverified_payload())


def _sign_vp(
    home: Home,
    owner: HolderPublic,
    entries: Sequence[WalletCredential],
    disclose: tuple[ClaimPath, ...],
    disclose_for: Mapping[str, Sequence[ClaimPath]],
    nonce: str,
    audience: str,
    now: datetime,
    lifetime: timedelta,
) -> str:
    return sign_presentation(
        _envelopes(entries, disclose, disclose_for),
        signer_for(home, owner.did),
        holder=owner.did,
        nonce=nonce,
        audience=audience,
        now=now,
        lifetime_seconds=int(lifetime.total_seconds()),
    )


def _sign_kb(
    home: Home,
    owner: HolderPublic,
    entry: WalletCredential,
    disclose: list[ClaimPath],
    nonce: str,
    audience: str,
    now: datetime,
) -> str:
    return present_sd_jwt_token(
        entry.token,
        disclose,
        nested=False,
        holder_signer=signer_for(home, owner.did),
        audience=audience,
        nonce=nonce,
        now=now,
    )


def _envelopes(
    entries: Sequence[WalletCredential],
    disclose: tuple[ClaimPath, ...],
    disclose_for: Mapping[str, Sequence[ClaimPath]],
) -> list[tuple[str, str]]:
    """``(media type, credential)`` per entry; SD-JWT VCs with the minimum disclosed."""
    envelopes: list[tuple[str, str]] = []
    wanted_anywhere = set(disclose)
    found: set[ClaimPath] = set()
    for entry in entries:
        if entry.format != SD_JWT_VC_TYP:
            envelopes.append((f"application/{VC_JWT}", entry.token))
            continue
        paths = _paths_for(entry, disclose, disclose_for, strict=False)
        found.update(path for path in paths if path in wanted_anywhere)
        envelopes.append(
            (f"application/{SD_JWT_VC_TYP}", present_sd_jwt_token(entry.token, paths, nested=False))
        )
    missing = wanted_anywhere - found
    if missing:
        raise InputError(
            f"no SD-JWT VC presented has {', '.join(sorted(format_path(p) for p in missing))}",
            code=Code.CLAIM_PATH_NOT_FOUND,
        )
    return envelopes


def _paths_for(
    entry: WalletCredential,
    disclose: Sequence[ClaimPath],
    disclose_for: Mapping[str, Sequence[ClaimPath]],
    *,
    strict: bool,
) -> list[ClaimPath]:
    """The requested paths this SD-JWT VC has (all of them, or InputError, when ``strict``)."""
    parsed = parse_sd_jwt(entry.token)
    claims = process_payload(
        parsed.unverified_payload, parsed.disclosures, max_depth=DEFAULT_LIMITS.max_depth
    ).claims
    paths = [tuple(p) for p in (*disclose, *disclose_for.get(entry.credential_id, ()))]
    for path in paths:
        if strict and not has_claim(claims, path):
            raise InputError(
                f"{entry.credential_id} has no claim {format_path(path)}",
                code=Code.CLAIM_PATH_NOT_FOUND,
            )
    return [path for path in dict.fromkeys(paths) if has_claim(claims, path)]


def _refuse_unusable(verifier: Verifier, entry: WalletCredential, now: datetime) -> None:
    """Refuse what the holder can see is expired (InputError), revoked or suspended (Conflict)."""
    report = verifier.check_credential(entry.token, now=now)
    valid_until = (report.claims or {}).get("validUntil")
    end = parse_datetime(str(valid_until)) if valid_until else None
    if end is not None and end <= now:
        raise InputError(
            f"{entry.credential_id} expired at {valid_until}", code=Code.CREDENTIAL_EXPIRED
        )
    if report.verdict in ("REVOKED", "SUSPENDED"):
        raise ConflictError(
            f"{entry.credential_id} is {report.verdict.lower()} by its issuer",
            code=f"CREDENTIAL_{report.verdict}",
        )

"""The custody chain drawn on the verify page: a trader presents the mine's origin certificate
with the sale that put the lot in its hands (as in the demo), and the result page shows the
chain as an ordered list of steps — parties by name, dates, lots, masses wet / dry /
contained — or, when a sale hands on more than the lot holds, which link breaks and by how
much (the verifier's own judgement, :func:`oretrust.custody.judge_links`)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from api_support import MINISTRY, ApiClient, Cast, make_cast, origin_certificate
from oretrust import holder, identities
from oretrust.credentials import EXAMPLES
from oretrust.issuer import issue_credential
from oretrust.status.operations import revoke

NONCE, AUDIENCE = "n-chain-1", "https://refinery.example/verify"
LOT = "KVM-2026-LOT-0457"  # 24.85 t wet at 20 % moisture and 30.5 % Co


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Cast:
    made = make_cast(tmp_path_factory.mktemp("chain"))
    identities.add_holder(made.home, "trader", display_name="Lualaba Metals Trading SARL",
                          now=datetime.now(UTC))  # fmt: skip
    return made


@pytest.fixture(scope="module")
def api(cast: Cast) -> Iterator[ApiClient]:
    client = cast.client()
    yield client
    client.close()


def _presentation(cast: Cast, tonnes: float) -> str:
    """Kivu sells ``tonnes`` of its lot to the trader, who presents the origin certificate
    (its wallet adds the sale that carries the lot to it)."""
    now = datetime.now(UTC)
    trader = identities.find_holder(cast.home, "trader")
    subject = origin_certificate(cast.holder_did)["credentialSubject"]
    origin = issue_credential(cast.home, issuer=MINISTRY, type_name="MineralOriginCertificate",
                              subject=subject, now=now)  # fmt: skip
    event: dict[str, Any] = copy.deepcopy(EXAMPLES["CustodyTransferCredential"])
    event.pop("sourceParty"), event.pop("derivedFrom")
    lot = {"value": tonnes, "unit": "t", "moisture": 20.0, "grade": 30.5}
    event.update(
        destinationParty=trader.did,
        eventTime=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        inputs=[{"lotId": LOT, "mass": lot}],
        outputs=[{"lotId": "LMT-2026-0091", "mass": lot}],
    )
    sale = holder.issue_custody_event(cast.home, "kivu", event, derived_from=[origin.token],
                                      now=now)  # fmt: skip
    for token in (origin.token, sale.token):
        holder.receive_credential(cast.home, "trader", token, now=now)
    return holder.present(cast.home, "trader", [origin.id], nonce=NONCE, audience=AUDIENCE,
                          now=now)  # fmt: skip


def _steps(page: str) -> list[str]:
    chain = re.search(r'<ol class="chain-steps">(.*?)</ol>', page, re.S)
    assert chain, page[:3000]
    return re.findall(r'<li class="chain-step[^"]*"[^>]*>(.*?)</li>', chain[1], re.S)


def test_an_honest_chain_is_drawn_as_steps_with_masses(api: ApiClient, cast: Cast) -> None:
    token = _presentation(cast, 12.0)
    page = api.post("/verify", data={"token": token, "nonce": NONCE, "audience": AUDIENCE})
    assert page.status_code == 200 and 'data-chain="VALID"' in page.text
    origin, sale = _steps(page.text)
    assert "Origin certificate" in origin and "Ministère des Mines" in origin
    assert LOT in origin and "24,850.0 kg" in origin and "19,880.0 kg" in origin
    assert "6,063.4 kg" in origin  # contained cobalt: 19,880 kg dry at 30.5 %
    assert "Sale" in sale and "from Kivu Minerals SARL to Lualaba Metals Trading SARL" in sale
    assert "12,000.0 kg" in sale and "9,600.0 kg" in sale and "LMT-2026-0091" in sale
    assert '<th scope="col">Contained metal</th>' in page.text
    french = api.post("/verify", data={"token": token, "nonce": NONCE, "audience": AUDIENCE,
                                       "lang": "fr"})  # fmt: skip
    assert "Chaîne de traçabilité" in french.text and "Métal contenu" in french.text


def test_a_broken_chain_names_the_link_and_the_figure(api: ApiClient, cast: Cast) -> None:
    token = _presentation(cast, 30.0)  # 30 t handed on from a 24.85 t lot
    page = api.post("/verify", data={"token": token, "nonce": NONCE, "audience": AUDIENCE})
    assert 'data-chain="INVALID"' in page.text and "MASS_BALANCE_EXCEEDED" in page.text
    problems = re.search(r'<ul class="chain-problems">(.*?)</ul>', page.text, re.S)
    assert problems and "kg more than it covers" in problems[1]
    broken = re.findall(r'<li class="chain-step step-broken" data-link="([^"]+)"', page.text)
    assert broken and broken[0] in problems[1]
    assert "The chain breaks at this step" in page.text


def test_no_chain_without_custody_events(api: ApiClient, cast: Cast) -> None:
    subject = origin_certificate(cast.holder_did)["credentialSubject"]
    origin = issue_credential(cast.home, issuer=MINISTRY, type_name="MineralOriginCertificate",
                              subject=subject, now=datetime.now(UTC))  # fmt: skip
    page = api.post("/verify", data={"token": origin.token})
    assert page.status_code == 200 and "chain-steps" not in page.text
    now = datetime.now(UTC)
    holder.receive_credential(cast.home, "kivu", origin.token, now=now)
    own = holder.present(cast.home, "kivu", [origin.id], nonce=NONCE, audience=AUDIENCE, now=now)
    page = api.post("/verify", data={"token": own, "nonce": NONCE, "audience": AUDIENCE})
    assert 'data-verdict="VALID"' in page.text and "chain-steps" not in page.text


def test_a_revoked_origin_breaks_the_drawn_chain_at_that_document(
    api: ApiClient, cast: Cast
) -> None:
    token = _presentation(cast, 12.0)
    origin_id = next(
        e.credential_id
        for e in reversed(holder.list_wallet(cast.home, "trader"))
        if e.type == "MineralOriginCertificate"
    )
    revoke(cast.home, origin_id, reason="licence suspended", now=datetime.now(UTC))
    page = api.post("/verify", data={"token": token, "nonce": NONCE, "audience": AUDIENCE})
    assert 'data-chain="INVALID"' in page.text
    problems = re.search(r'<ul class="chain-problems">(.*?)</ul>', page.text, re.S)
    assert problems and origin_id in problems[1] and 'data-code="REVOKED"' in problems[1]
    assert "Revoked" in problems[1] and "is not in the presentation" not in problems[1]
    (sale,) = _steps(page.text)  # what still verifies is drawn
    assert "Sale" in sale and "12,000.0 kg" in sale

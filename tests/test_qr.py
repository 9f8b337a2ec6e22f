"""``OT1:`` texts (zlib + Base45) and QR images: a credential comes back byte for byte, a
credential too large for one QR code is refused naming both sizes, and hostile input —
a decompression bomb, broken Base45, a huge canvas — is refused with a stable code."""

from __future__ import annotations

import io
import zlib

import base45
import pytest
import segno
from PIL import Image

from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.formats.ot1 import PREFIX, decode_ot1, encode_ot1
from oretrust.web.qr_image import MAX_PIXELS, QR_CAPACITY, qr_png, read_qr

JWS = (
    "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6d2ViOm1pbmVzLmV4YW1wbGUiLCJtYXNzIjoyNC44NX0.c2lnbmF0dXJl"
)
SD_JWT = JWS + "~WyJzYWx0IiwibWFzcyIsMjQuODVd~"
ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@pytest.mark.parametrize(
    "text",
    [JWS, SD_JWT, '{"presentation": "x", "format": "vp+jwt"}', "AB.c", "é~ü", "x", "abcde.f"],
)
def test_round_trip_in_qr_alphanumeric_characters(text: str) -> None:
    encoded = encode_ot1(text)
    assert encoded.startswith(PREFIX) and set(encoded) <= ALPHANUMERIC
    assert decode_ot1(encoded) == text


def test_non_canonical_base64url_is_kept_as_text() -> None:
    """'AB' and 'AC' decode to the same byte: packing would change the token, so it is not."""
    assert decode_ot1(encode_ot1("eyJ9.AC.AB")) == "eyJ9.AC.AB"


def test_qr_decompression_bomb_is_refused() -> None:
    bomb = PREFIX + base45.b45encode(zlib.compress(b"\x00" + b"A" * 10_000_000, 9)).decode()
    assert len(bomb) < 30_000
    with pytest.raises(InputError) as caught:
        decode_ot1(bomb)
    assert caught.value.code == Code.QR_INVALID and "expands beyond" in caught.value.detail


@pytest.mark.parametrize(
    "text",
    [
        "OT2:ABC",
        PREFIX + "!!!",
        PREFIX + base45.b45encode(b"not zlib").decode(),
        PREFIX + base45.b45encode(zlib.compress(b"\x07abc")).decode(),
        PREFIX + base45.b45encode(zlib.compress(b"\x01\x05")).decode(),
        PREFIX + base45.b45encode(zlib.compress(b"\x00abc")[:-3]).decode(),
        PREFIX,
    ],
    ids=["prefix", "base45", "zlib", "packing", "segments", "truncated", "empty"],
)
def test_broken_ot1_is_qr_invalid(text: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_ot1(text)
    assert caught.value.code == Code.QR_INVALID


def test_png_reads_back_to_the_token() -> None:
    token = ".".join([JWS.split(".")[0], JWS.split(".")[1] * 30, JWS.split(".")[2]])
    assert read_qr(qr_png(token)) == token


def test_a_credential_too_large_for_one_qr_code_names_size_and_limit() -> None:
    huge = "eyJ9." + "".join(f"{n:08x}" for n in range(3000)) + ".AA"
    with pytest.raises(InputError) as caught:
        qr_png(huge)
    assert caught.value.code == Code.QR_TOO_LARGE
    assert str(QR_CAPACITY) in caught.value.detail
    assert str(len(encode_ot1(huge))) in caught.value.detail


def test_a_plain_qr_code_gives_its_text() -> None:
    buffer = io.BytesIO()
    segno.make("https://example.org/x", micro=False).save(buffer, kind="png", scale=4)
    assert read_qr(buffer.getvalue()) == "https://example.org/x"


def test_images_without_qr_or_not_images_are_refused() -> None:
    blank = io.BytesIO()
    Image.new("L", (64, 64), 255).save(blank, format="PNG")
    for data, code in (
        (blank.getvalue(), Code.QR_NOT_FOUND),
        (b"GIF8nonsense", Code.IMAGE_UNREADABLE),
    ):
        with pytest.raises(InputError) as caught:
            read_qr(data)
        assert caught.value.code == code


def test_a_huge_canvas_is_refused_before_decoding() -> None:
    side = int(MAX_PIXELS**0.5) + 10
    buffer = io.BytesIO()
    Image.new("1", (side, side), 1).save(buffer, format="PNG")
    with pytest.raises(InputError) as caught:
        read_qr(buffer.getvalue())
    assert caught.value.code == Code.IMAGE_UNREADABLE

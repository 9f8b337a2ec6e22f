"""QR code images of ``OT1:`` texts: make them (segno) and read them back (zxing-cpp).

A QR code carries the credential itself (:mod:`oretrust.formats.ot1`), so a border post with
no network can read it; the largest QR code (version 40, error correction L) holds
:data:`QR_CAPACITY` alphanumeric characters, and a credential whose ``OT1:`` form is longer is
refused with ``QR_TOO_LARGE`` naming both sizes rather than cut. Error correction is raised
above L whenever the text still fits, so a creased bag tag still reads.

Reading takes PNG, JPEG, GIF, BMP or WebP bytes (Pillow), refuses images over
:data:`MAX_PIXELS` before decoding them (a small file can declare a huge canvas), and answers
the text of the first QR code found (``QR_NOT_FOUND`` when there is none). Used by the
verify page and by ``oretrust qr`` / ``oretrust verify``; errors are
:class:`~oretrust.errors.InputError`.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.formats.ot1 import decode_ot1, encode_ot1, is_ot1

if TYPE_CHECKING:
    import segno

__all__ = ["MAX_PIXELS", "QR_CAPACITY", "looks_like_image", "qr_png", "qr_svg", "read_qr"]

#: Alphanumeric characters in a version 40 QR code at error correction L (ISO/IEC 18004).
QR_CAPACITY = 4296
#: The largest image read (width x height): a phone photo is ~12 million.
MAX_PIXELS = 40_000_000

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"RIFF")


def _make(text: str) -> segno.QRCode:
    import segno  # imported when a code is made: every CLI command reads files, few draw

    encoded = encode_ot1(text)
    if len(encoded) > QR_CAPACITY:
        raise InputError(
            f"this credential needs {len(encoded)} QR characters in its {encoded[:4]} form; "
            f"one QR code holds at most {QR_CAPACITY} (version 40, error correction L)",
            code=Code.QR_TOO_LARGE,
        )
    try:
        return segno.make(encoded, error="l", boost_error=True, mode="alphanumeric", micro=False)
    except segno.DataOverflowError as exc:  # the table above says it fits; segno decides
        raise InputError(
            f"{len(encoded)} QR characters do not fit one QR code", code=Code.QR_TOO_LARGE
        ) from exc


def qr_png(text: str, *, scale: int = 4) -> bytes:
    """A PNG of the QR code of ``text`` (a token or presentation file). Raises InputError
    ``QR_TOO_LARGE``."""
    buffer = io.BytesIO()
    _make(text).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an SVG data URI (for a page that prints it)."""
    return str(_make(text).svg_data_uri(scale=4, border=4))


def looks_like_image(data: bytes) -> bool:
    """Whether ``data`` starts like an image file this module reads."""
    return data.startswith(_IMAGE_MAGIC)


def read_qr(data: bytes) -> str:
    """The text carried by the QR code in image ``data``: an ``OT1:`` text is decoded to the
    token it holds, any other text returned as it is (a URL, a bare token).

    Raises InputError ``IMAGE_UNREADABLE`` (not an image, too many pixels), ``QR_NOT_FOUND``
    or ``QR_INVALID`` (a broken ``OT1:`` text)."""
    import zxingcpp  # imported when an image is read (Pillow and zxing: a tenth of a start)
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InputError(
                    f"the image has {width}x{height} pixels; at most {MAX_PIXELS} are read",
                    code=Code.IMAGE_UNREADABLE,
                )
            image.load()
    except (
        UnidentifiedImageError, OSError, Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:  # fmt: skip
        raise InputError(f"not a readable image: {exc}", code=Code.IMAGE_UNREADABLE) from exc
    found = zxingcpp.read_barcodes(
        image.convert("L"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    if not found:
        raise InputError("no QR code found in the image", code=Code.QR_NOT_FOUND)
    text = str(found[0].text)
    return decode_ot1(text) if is_ot1(text) else text

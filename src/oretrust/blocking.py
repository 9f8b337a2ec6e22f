"""Answering from memory on the event loop: the boundary every blocking call crosses.

A verification answered from what the kept verifier already holds (a DID document, a verified
status list, the registry's answers: :mod:`oretrust.verifier.home`) is ~100 µs of pure
computation. Handing it to a worker thread cost more than the verification itself (issue
13's profile: the thread hop and the GIL passing between the loop and the worker halved the
requests a worker answers). So the HTTP service first runs a verification :func:`inline` —
on the event loop — and every place that would block (a database session, a network fetch)
calls :func:`about_to_block` first, which raises :class:`WouldBlock` there; the service then
runs the whole verification again in a worker thread, where nothing is refused.

:class:`WouldBlock` is a ``BaseException``: the verifier turns every ``Exception`` inside a
check into a failed check (fail closed), and this one must not be mistaken for a verdict —
it abandons the inline attempt, whose partial report is thrown away. Outside :func:`inline`
nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["WouldBlock", "about_to_block", "inline"]

_INLINE: ContextVar[bool] = ContextVar("oretrust_inline", default=False)


class WouldBlock(BaseException):
    """Raised at a blocking call inside :func:`inline`; names what would have blocked."""


@contextmanager
def inline() -> Iterator[None]:
    """Within: every :func:`about_to_block` raises :class:`WouldBlock`."""
    token = _INLINE.set(True)
    try:
        yield
    finally:
        _INLINE.reset(token)


def about_to_block(what: str) -> None:
    """Call before ``what`` (a database session, a fetch) blocks; raises inside :func:`inline`."""
    if _INLINE.get():
        raise WouldBlock(what)

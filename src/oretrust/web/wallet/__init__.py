"""The holder's wallet page, for a holder's own node (``oretrust serve`` on its home).

* :mod:`.session` — login with a ``holder`` token, the cookie, CSRF;
* :mod:`.view` — the credentials held as the page lists them;
* :mod:`.pages` — ``/wallet``, ``/wallet/present``, ``/wallet/download``, login and logout.

The pages decide nothing themselves: listing, describing and presenting are the holder
package's (:mod:`oretrust.holder`), verdicts the home's verifier's.
"""

"""The revocation registry: status lists, allocation, revocation, publication, checking.

Modules (imported directly; this package re-exports nothing, so the pure codecs stay light)::

    bitstring, token_status_list   the W3C / IETF list codecs (pure, bounded decoding)
    rules                          which types may be suspended; list size; status URLs
    allocation                     random, never-reused indices; credentialStatus / status claim
    operations                     revoke / suspend / reinstate (state machine, transactions)
    log                            the append-only, hash-chained revocation log; verify_log
    publication                    signed BSL credentials and statuslist+jwt, signed by writers
    resolver                       StatusListResolver: home-local, HTTPS, in-memory
    http_cache                     other homes' lists over HTTP: max-age, ETag/304, stale-if-error
    list_tokens                    verifying a fetched list (signature, issuer, expiry, size)
    check                          the verifier's ``status`` check and its list cache
"""

"""The issuer role: issue a typed credential to a holder and record that it was issued.

The path is the same for the CLI, the demo and the HTTP API: validate the subject against
its type's schema, build the VC Data Model 2.0 document, check the data-model rules, sign as
``vc+jwt`` with the issuer's active key, record id + hash (never the credential).
:func:`issue_credential` takes a type name and a subject; :func:`issue_document` takes a
whole unsigned VC DM 2.0 credential (the W3C VC API's ``POST /credentials/issue``) and maps
it onto :func:`issue_credential`.

SD-JWT VC (``dc+sd-jwt``) issuance, :func:`issue_sd_jwt_credential`, takes the same path with
the type's disclosure profile. Both formats share one private module,
:mod:`oretrust.issuer._record`: the checks before anything is written (one set of error
codes), the status-index allocation and the record, which stand or fall together; each
format module only builds and signs its token.

:func:`attest_chain` is the chain auditor's recipe: verify a lot's custody chain with
:func:`oretrust.custody.verify_chain` and, only when it is valid, issue the last buyer a
``ChainAttestationCredential`` naming the origins and the balance but no intermediary.

:func:`list_issued` answers what an issuer has issued (id, type, holder, times, current
status) from those records alone.

:class:`BatchIssuer` issues many credentials of one issuer with its lookups made once and
one transaction per batch (status entries and records committed together), for
``oretrust issue --batch``; its ``before_commit`` hook lets the caller make its own journal
durable before the batch is committed.
"""

from __future__ import annotations

from oretrust.issuer._attest import attest_chain
from oretrust.issuer._batch import BatchIssued, BatchIssuer, BatchRequest, PreparedCredential
from oretrust.issuer._issued import STATUS_FILTERS, IssuedSummary, list_issued, recorded_ids
from oretrust.issuer._sd_jwt import IssuedSdJwtCredential, holder_key, issue_sd_jwt_credential
from oretrust.issuer._vc_jwt import IssuedCredential, issue_credential, issue_document

__all__ = [
    "STATUS_FILTERS",
    "BatchIssued",
    "BatchIssuer",
    "BatchRequest",
    "IssuedCredential",
    "IssuedSdJwtCredential",
    "IssuedSummary",
    "PreparedCredential",
    "attest_chain",
    "holder_key",
    "issue_credential",
    "issue_document",
    "issue_sd_jwt_credential",
    "list_issued",
    "recorded_ids",
]

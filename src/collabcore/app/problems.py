"""HTTP-ready errors: every collabcore error as an RFC 9457 problem document.

A web host answers an error with ``problem(error, localizer).to_dict()`` (or
``service.problem(error)``), the status it carries, and ``problem.headers``. The
title and detail are in the brand and language of the localizer; a refusal's
findings are the error's own, with their remedy steps, so raise and convert with
the same service (``service.speaking(brand, language)`` per request).

Nothing internal leaks: a storage or configuration error says only that nothing
was changed; a not-found says the same for ids that do not exist and for another
tenant's. Only an invalid request names the field and the reason, in English,
for the developer who sent it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from collabcore.domain.errors import (
    AlreadyEnded,
    CollabCoreError,
    ConcurrencyConflict,
    ConfigurationError,
    CorruptRecord,
    IdempotencyKeyReused,
    InvalidInput,
    InvariantViolation,
    NotFound,
    OperationRefused,
    OutcomeNotOffered,
    RequestConflict,
    SchemaVersionError,
    StorageError,
    describe,
)
from collabcore.domain.findings import Finding
from collabcore.domain.refusals import EndRefused, NotAuthorized
from collabcore.wording.texts import Localizer

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:collabcore:problem:"
"""The default prefix of ``type``; a host that documents its problems on the web passes
its own (``https://.../problems/``) and the slug is appended."""


@frozen
class ProblemKind:
    """How one error class is answered: the slug of its ``type`` and its HTTP status."""

    error: type[CollabCoreError]
    slug: str
    status: int
    words: str
    """The text keys ``problem.<words>`` (title) and ``problem.<words>.detail``."""


KINDS: tuple[ProblemKind, ...] = (
    ProblemKind(NotFound, "not-found", 404, "not_found"),
    ProblemKind(NotAuthorized, "not-authorized", 403, "not_authorized"),
    ProblemKind(AlreadyEnded, "already-ended", 409, "already_ended"),
    ProblemKind(ConcurrencyConflict, "conflict", 409, "conflict"),
    ProblemKind(IdempotencyKeyReused, "idempotency-key-reused", 409, "key_reused"),
    ProblemKind(RequestConflict, "request-conflict", 409, "request_conflict"),
    ProblemKind(OutcomeNotOffered, "outcome-not-offered", 422, "outcome_not_offered"),
    ProblemKind(EndRefused, "end-refused", 422, "end_refused"),
    ProblemKind(InvariantViolation, "invariant-violation", 422, "invariant"),
    ProblemKind(OperationRefused, "refused", 422, "refused"),
    ProblemKind(InvalidInput, "invalid-input", 400, "invalid_input"),
    ProblemKind(SchemaVersionError, "schema-version", 500, "server_error"),
    ProblemKind(CorruptRecord, "corrupt-record", 500, "server_error"),
    ProblemKind(StorageError, "storage-unavailable", 503, "storage"),
    ProblemKind(ConfigurationError, "configuration", 500, "server_error"),
    ProblemKind(CollabCoreError, "error", 500, "server_error"),
)
"""Most specific first: the first whose class the error is an instance of answers it."""

PROBLEM_TEXTS: frozenset[str] = frozenset(
    key for kind in KINDS for key in (f"problem.{kind.words}", f"problem.{kind.words}.detail")
) | {"problem.invalid_input.at"}
"""Every service requires them, so a problem can be told in any brand and language it speaks."""


def kind_of(error: CollabCoreError) -> ProblemKind:
    return next(kind for kind in KINDS if isinstance(error, kind.error))


@frozen
class Problem:
    """An RFC 9457 problem document, with collabcore's extension members ``codes`` and
    ``findings`` (and ``invalid`` for a 400)."""

    type: str
    title: str
    status: int
    detail: str
    language: str
    codes: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    instance: str | None = None
    invalid: Mapping[str, str] | None = None
    """For a 400: the field's path and the reason, for the developer who sent the request."""

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": MEDIA_TYPE, "Content-Language": self.language}
        if self.status == 503:
            headers["Retry-After"] = "1"
        return headers

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.instance is not None:
            document["instance"] = self.instance
        if self.codes:
            document["codes"] = list(self.codes)
        if self.findings:
            document["findings"] = [
                {
                    "code": f.code,
                    "key": f.key,
                    "severity": f.severity.value,
                    "message": f.message,
                    "remedy": list(f.remedy),
                }
                for f in self.findings
            ]
        if self.invalid is not None:
            document["invalid"] = dict(self.invalid)
        return document


def problem(
    error: CollabCoreError,
    localizer: Localizer,
    *,
    instance: str | None = None,
    type_base: str = TYPE_BASE,
) -> Problem:
    """The problem document that answers ``error``, in the localizer's brand and language."""
    if not isinstance(error, CollabCoreError):
        raise InvalidInput(
            f"problem() answers collabcore's errors, got {describe(error)}.",
            hint="Let the web framework answer other exceptions (a 500).",
            path="error",
        )
    kind = kind_of(error)
    title = localizer.text(f"problem.{kind.words}")
    detail = localizer.text(f"problem.{kind.words}.detail")
    findings: tuple[Finding, ...] = ()
    invalid: dict[str, str] | None = None
    if isinstance(error, OperationRefused):
        findings = error.findings
        if findings:
            detail = " ".join(f.message for f in findings)
    if isinstance(error, RequestConflict):
        detail = error.message  # told in the service's words where it was raised
    if isinstance(error, InvalidInput) and not isinstance(
        error, IdempotencyKeyReused | OutcomeNotOffered | RequestConflict
    ):
        invalid = {"reason": error.message}
        if error.path:
            invalid["path"] = error.path
            detail = localizer.text("problem.invalid_input.at", path=error.path)
    return Problem(
        type=f"{type_base}{kind.slug}",
        title=title,
        status=kind.status,
        detail=detail,
        language=localizer.language,
        codes=tuple(f.code for f in findings),
        findings=findings,
        instance=instance,
        invalid=invalid,
    )

"""Turning a decision into an answer: blocking findings and denials become typed errors,
and ids an actor may not see look exactly like ids that do not exist."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from collabcore.domain.errors import (
    AlreadyEnded,
    CollabCoreError,
    NotFound,
    OperationRefused,
    OutcomeNotOffered,
)
from collabcore.domain.findings import Finding
from collabcore.domain.model import Actor, Collaboration, Customer
from collabcore.domain.plans import Plan
from collabcore.domain.refusals import EndRefused, NotAuthorized
from collabcore.policy.authorization import Denial, sees_collaboration
from collabcore.policy.engine import Refusal, Rulebook
from collabcore.ports import DirectoryReads


def refusal(
    blockers: Sequence[Finding],
    rulebook: Rulebook,
    *,
    what: str,
    collaboration_id: str | None = None,
    plan: Plan | None = None,
) -> OperationRefused:
    """The error for findings that stop ``what``, by the rule that blocks it most (each rule
    says which error it means: ``Rule.refusal``); an end's refusal carries its plan."""
    kind = min((rulebook.refusal_of(f.code) for f in blockers), default=Refusal.REFUSED)
    chosen = [f for f in blockers if rulebook.refusal_of(f.code) is kind]
    codes = ", ".join(f.code for f in chosen)
    if kind is Refusal.NOT_AUTHORIZED:
        return NotAuthorized(
            f"{what}: not allowed for this user ({codes}).",
            chosen,
            hint="The findings say who may, and how to get the rights.",
            plan=plan,
        )
    if kind is Refusal.ALREADY_ENDED and collaboration_id is not None:
        return AlreadyEnded(collaboration_id, list(blockers))
    if kind is Refusal.OUTCOME_NOT_OFFERED:
        remedy = chosen[0].remedy
        return OutcomeNotOffered(
            f"{what}: the product does not offer this outcome ({codes}).",
            chosen,
            hint=remedy[0] if remedy else None,
        )
    if plan is not None:
        return EndRefused(plan)
    return OperationRefused(f"{what} was refused ({', '.join(f.code for f in blockers)}).", blockers)


def denied(denial: Denial, not_found: Callable[[], NotFound]) -> CollabCoreError:
    """A hidden denial is exactly the answer for a missing id; any other says who may."""
    if denial.hidden:
        return not_found()
    return NotAuthorized(denial.message, hint=denial.hint)


# The answers for ids that do not exist. Each is the only way its "not found" is spelled:
# an id that exists but belongs to another tenant gets the very same answer (type,
# message, hint), so that no caller can tell the two apart.


def no_collaboration(collaboration_id: str, actor: Actor) -> NotFound:
    return NotFound(
        f"No collaboration {collaboration_id} for {actor.party.value} {actor.party_id}.",
        hint="Check the id, and that the actor acts for a party of that collaboration.",
    )


def no_customer(customer_id: str) -> NotFound:
    return NotFound(
        f"No customer {customer_id}.",
        hint="Check the id, and that the actor acts for the customer or for an office that "
        "collaborates with it (the host registers customers).",
    )


def no_office(office_id: str) -> NotFound:
    return NotFound(f"No office {office_id}.", hint="Check the id (the host registers offices).")


def no_request(request_id: str, actor: Actor) -> NotFound:
    return NotFound(
        f"No request {request_id} for {actor.party.value} {actor.party_id}.",
        hint="Check the id, and that the actor acts for the office or the customer of that request.",
    )


def no_effect(key: str) -> NotFound:
    return NotFound(
        f"No effect {key} in the outbox.",
        hint="Check the key; Relay.failed() lists the effects waiting to be retried or resolved.",
    )


def visible(collaboration: Collaboration | None, collaboration_id: str, actor: Actor) -> Collaboration:
    """The collaboration, if ``actor`` may see it; another tenant's looks like a missing one."""
    if collaboration is None or not sees_collaboration(actor, collaboration):
        raise no_collaboration(collaboration_id, actor)
    return collaboration


def existing_customer(uow: DirectoryReads, customer_id: str, *, for_update: bool = False) -> Customer:
    customer = uow.get_customer(customer_id, for_update=for_update)
    if customer is None:
        raise no_customer(customer_id)
    return customer

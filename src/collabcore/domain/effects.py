"""Effects: what an end causes outside the library, carried out once each by the relay."""

from __future__ import annotations

from enum import StrEnum

import attrs
from attrs import frozen

from collabcore.domain.assembly import assembled
from collabcore.domain.errors import InvalidInput, describe
from collabcore.domain.validation import check_id, check_version, instance_of, optional


class EffectKind(StrEnum):
    """One thing that ending causes outside the library, carried out by the relay."""

    HAND_OVER_PAYROLL_BACKUP = "hand_over_payroll_backup"
    EXPORT_REPORTS = "export_reports"
    REVOKE_OFFICE_ACCESS = "revoke_office_access"
    RESTRICT_OFFICE_ACCESS = "restrict_office_access"
    REVOKE_COMPANY_ONLINE_ACCESS = "revoke_company_online_access"
    TRANSFER_SUBSCRIPTION = "transfer_subscription"
    DEACTIVATE_SUBSCRIPTION = "deactivate_subscription"
    CANCEL_SUBSCRIPTION = "cancel_subscription"
    ERASE_SERVICE_DATA = "erase_service_data"
    GRANT_OFFICE_ACCESS = "grant_office_access"
    """A move: the new office gets its access."""
    CHANGE_PAYER = "change_payer"
    """A move: the subscription's invoices go to the new collaboration's recipient."""
    REVOKE_LINKED_SERVICES = "revoke_linked_services"
    """Linked apps keep no access after the end (R16)."""
    NOTIFY_OFFICE = "notify_office"
    NOTIFY_CUSTOMER = "notify_customer"


@frozen
class Effect:
    """One pending consequence of an end, carried out once by the relay."""

    collaboration_id: str = attrs.field(validator=check_id)
    step: int = attrs.field(validator=check_version)
    """Its place in the order the product needs, from 1; a step waits for the earlier ones."""
    kind: EffectKind = attrs.field(validator=instance_of(EffectKind))
    """What to do, and so which port method the relay calls."""
    office_id: str = attrs.field(validator=check_id)
    customer_id: str = attrs.field(validator=check_id)
    product: str = attrs.field(validator=check_id)
    """The product's key, such as ``payroll``."""
    request_id: str | None = attrs.field(default=None, validator=optional(check_id))
    """The lifecycle request that caused it, when it was not an end (a blocked scheduled end,
    an invitation, the end of a read-only access); its key is made from the request. None for an
    end's own effects."""
    notice: str | None = attrs.field(default=None, validator=optional(check_id))
    """A notification's text key when it is not about an end; None for an end's notification
    (which sums up the end) and for every other kind."""

    @classmethod
    def steps(
        cls,
        collaboration_id: str,
        office_id: str,
        customer_id: str,
        product: str,
        kinds: tuple[EffectKind, ...],
    ) -> tuple[Effect, ...]:
        """One effect per kind, in order from step 1, for one collaboration. Every value is
        checked once, on the first effect; the others differ only in step and kind."""
        if not kinds:
            return ()
        first = cls(collaboration_id, 1, kinds[0], office_id, customer_id, product)
        effects = [first]
        for step, kind in enumerate(kinds[1:], start=2):
            if type(kind) is not EffectKind:
                raise InvalidInput(f"kind must be an EffectKind, got {describe(kind)}.", path="kind")
            effects.append(
                assembled(cls, collaboration_id, step, kind, office_id, customer_id, product, None, None)
            )
        return tuple(effects)

    @property
    def key(self) -> str:
        """Deterministic: the same end always yields the same keys, so retries are safe."""
        origin = self.collaboration_id if self.request_id is None else self.request_id
        return f"{origin}:{self.step}:{self.kind._value_}"  # the member's plain attribute

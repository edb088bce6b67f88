"""Effects: what an end causes outside the library, carried out once each by the relay."""

from __future__ import annotations

from enum import StrEnum

import attrs
from attrs import frozen

from collabcore.domain.validation import check_id, check_version, instance_of


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
    NOTIFY_OFFICE = "notify_office"
    NOTIFY_CUSTOMER = "notify_customer"


@frozen
class Effect:
    """One pending consequence of an end, carried out once by the relay."""

    collaboration_id: str = attrs.field(validator=check_id)
    step: int = attrs.field(validator=check_version)
    kind: EffectKind = attrs.field(validator=instance_of(EffectKind))
    office_id: str = attrs.field(validator=check_id)
    customer_id: str = attrs.field(validator=check_id)
    product: str = attrs.field(validator=check_id)

    @property
    def key(self) -> str:
        """Deterministic: the same end always yields the same keys, so retries are safe."""
        return f"{self.collaboration_id}:{self.step}:{self.kind.value}"

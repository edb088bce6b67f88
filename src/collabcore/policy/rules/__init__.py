"""The default rulebook: R1-R23 of DESIGN.md, each traced to its seed sentence.

Each rule is one small function in the module of its theme; its docstring
quotes the sentence it comes from. Rules yield flags (text keys and
parameters); the words live in :mod:`collabcore.wording`. Who may act (R1,
R14) is decided in :mod:`collabcore.policy.authorization`.
"""

from __future__ import annotations

from collabcore.policy.authorization import office_rights, who_may_end
from collabcore.policy.engine import Rule, Rulebook
from collabcore.policy.rules.acceptance import customer_accepts
from collabcore.policy.rules.billing import (
    billing_to_month_end,
    invoice_recipient,
    no_cancel_while_collaborating,
)
from collabcore.policy.rules.bookkeeping import (
    bank_integration,
    linked_services,
    read_only_after_deactivation,
    variant_change_keeps,
)
from collabcore.policy.rules.expenses import (
    expense_outlays_submitted,
    expense_reports_submitted,
    export_before_delete,
)
from collabcore.policy.rules.finality import (
    delete_needs_confirmation,
    end_is_final,
    one_active_per_product,
    others_not_affected,
    outcome_chosen,
    outcomes_per_product,
)
from collabcore.policy.rules.main_contact import main_contact_is_admin, main_contact_required
from collabcore.policy.rules.payroll import payroll_after, payroll_customer_is_user, payroll_synchronised

DEFAULT_RULES: tuple[Rule, ...] = (
    who_may_end,
    office_rights,
    customer_accepts,
    end_is_final,
    one_active_per_product,
    outcomes_per_product,
    main_contact_required,
    main_contact_is_admin,
    payroll_customer_is_user,
    payroll_synchronised,
    expense_reports_submitted,
    expense_outlays_submitted,
    bank_integration,
    linked_services,
    delete_needs_confirmation,
    invoice_recipient,
    no_cancel_while_collaborating,
    others_not_affected,
    outcome_chosen,
    payroll_after,
    read_only_after_deactivation,
    export_before_delete,
    variant_change_keeps,
    billing_to_month_end,
)


def default_rulebook() -> Rulebook:
    """The seeds' rules, authorization and finality first, information last."""
    return Rulebook(DEFAULT_RULES)

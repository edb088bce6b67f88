"""The main contact (R3, R4): required to end, and an Administrator of the company."""

from __future__ import annotations

from collabcore.domain.model import Role
from collabcore.policy.engine import Flag, RuleContext, rule

KEEP_ADMIN = "R4.keep_admin"
"""Refusing to demote the main contact (the aggregate's invariant, in the brand's words)."""
ONLY_ADMIN = "R4.only_admin"
"""Refusing a main contact without the Administrator role."""
USER_MANAGEMENT_TEXTS = frozenset({KEEP_ADMIN, f"{KEEP_ADMIN}.remedy", ONLY_ADMIN, f"{ONLY_ADMIN}.remedy"})
"""R4's refusals of user management, needed whatever the rulebook holds."""


@rule("R3", texts=("R3", "R3.remedy"))
def main_contact_required(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "If you receive an error message ... main contact is missing for the customer number,
    you solve this by setting a new Main contact." """
    if ctx.customer.main_contact is None:
        return (Flag("R3"),)
    return ()


@rule("R4", texts=("R4.not_admin", "R4.not_user", "R4.remedy"))
def main_contact_is_admin(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "Change a user's role ... Administrator. Finally, select this user as Main contact." """
    if ctx.customer.main_contact is None:
        return ()
    user = ctx.customer.main_contact_user
    if user is None:
        return (Flag("R4.not_user"),)
    if user.role is not Role.ADMINISTRATOR:
        return (Flag("R4.not_admin", {"user": user.name}),)
    return ()

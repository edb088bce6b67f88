"""R4: the main contact is a user of the company with the Administrator role."""

from __future__ import annotations

import attrs

from collabcore.domain import Role
from collabcore.policy.rules.main_contact import main_contact_is_admin
from collabcore.testing import CUSTOMER_ADMIN
from collabcore.testing.rules import a_customer, declared_keys, keys, rule_context


def test_r4_a_stored_main_contact_without_the_administrator_role_blocks() -> None:
    # Written behind the aggregate's back (it refuses the demotion itself).
    demoted = attrs.evolve(
        a_customer(), users=tuple(attrs.evolve(u, role=Role.USER) for u in a_customer().users)
    )
    assert keys(main_contact_is_admin, rule_context(customer=demoted)) == ["R4.not_admin"]


def test_r4_a_main_contact_who_left_the_company_blocks() -> None:
    gone = attrs.evolve(a_customer(), users=tuple(u for u in a_customer().users if u.id != CUSTOMER_ADMIN))
    assert keys(main_contact_is_admin, rule_context(customer=gone)) == ["R4.not_user"]


def test_r4_no_main_contact_is_r3s_business() -> None:
    assert keys(main_contact_is_admin, rule_context(customer=a_customer(main_contact=None))) == []


def test_r4_every_declared_text_is_used() -> None:
    demoted = attrs.evolve(
        a_customer(), users=tuple(attrs.evolve(u, role=Role.USER) for u in a_customer().users)
    )
    gone = attrs.evolve(a_customer(), users=())
    used = {*keys(main_contact_is_admin, rule_context(customer=demoted))}
    used |= {*keys(main_contact_is_admin, rule_context(customer=gone))}
    assert declared_keys(main_contact_is_admin) == used

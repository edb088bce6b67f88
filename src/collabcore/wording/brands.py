"""The two brands of the seeds: Visma Advisor and Spiris, their terms and product names.

Terms follow the table in DESIGN.md, which comes from the vendors' public help pages.
"""

from __future__ import annotations

from collabcore.domain.model import BOOKKEEPING, EXPENSES, PAYROLL
from collabcore.wording.texts import Brand

VISMA = Brand(
    key="visma",
    terms={
        "en": {
            "brand": "Visma Advisor",
            "service": "service",
            "the_service": "the service",
            "menu": "Settings - Collaborations",
            "portal": "Mina tjänster",
            "users_page": "Users and services",
            "administrator": "Administrator",
            "user_role": "User",
            "main_contact": "Main contact",
            "payroll_program": "the pay program",
        },
        "sv": {
            "brand": "Visma Byråstöd",
            "service": "tjänst",
            "the_service": "tjänsten",
            "menu": "Underhåll - Samarbeten (Byråstöd)",
            "portal": "Mina tjänster",
            "users_page": "Användare och tjänster",
            "administrator": "Administratör",
            "user_role": "Användare",
            "main_contact": "Huvudkontakt",
            "payroll_program": "löneprogrammet",
        },
    },
    products={
        "en": {BOOKKEEPING: "Visma eEkonomi", PAYROLL: "Visma Lön", EXPENSES: "Visma Utlägg"},
        "sv": {BOOKKEEPING: "Visma eEkonomi", PAYROLL: "Visma Lön", EXPENSES: "Visma Utlägg"},
    },
)

SPIRIS = Brand(
    key="spiris",
    terms={
        "en": {
            "brand": "Spiris Practice management",
            "service": "solution",
            "the_service": "the solution",
            "menu": "Settings - Collaborations",
            "portal": "Spiris",
            "users_page": "Manage users",
            "administrator": "Administrator",
            "user_role": "User",
            "main_contact": "Main contact",
            "payroll_program": "the Payroll solution",
        },
        "sv": {
            "brand": "Spiris Byråstöd",
            "service": "funktion",
            "the_service": "funktionen",
            "menu": "Underhåll - Samarbeten",
            "portal": "Spiris",
            "users_page": "Hantera användare",
            "administrator": "Administratör",
            "user_role": "Användare",
            "main_contact": "Huvudkontakt",
            "payroll_program": "en Lönfunktion",
        },
    },
    products={
        "en": {
            BOOKKEEPING: "Bookkeeping & Invoicing",
            PAYROLL: "Payroll",
            EXPENSES: "Travel & Expenses",
        },
        "sv": {
            BOOKKEEPING: "Bokföring & Fakturering",
            PAYROLL: "Lön",
            EXPENSES: "Resor & Utlägg",
        },
    },
)

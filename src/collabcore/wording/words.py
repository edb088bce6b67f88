"""The default words: Visma Advisor and Spiris, in English and Swedish.

Terms follow the table in DESIGN.md, which comes from the vendors' public help
pages. Sentences are written once per language and filled in with each
brand's terms, so the two brands never drift apart in meaning.
"""

from __future__ import annotations

from collections.abc import Mapping

from collabcore.wording.brands import SPIRIS, VISMA
from collabcore.wording.lifecycle_words import LIFECYCLE_ENGLISH, LIFECYCLE_SWEDISH
from collabcore.wording.texts import Template, Texts

_MAIN_CONTACT_STEPS_EN = (
    "Go to {portal}, switch to the customer's company and select {users_page}.",
    "Should your customer not be in the list of users, first create a new user.",
    "Change a user's role by selecting the pencil symbol followed by selecting {administrator}.",
    "Finally, select this user as {main_contact}.",
)
_MAIN_CONTACT_STEPS_SV = (
    "Gå till {portal}, byt till kundens företag och välj {users_page}.",
    "Finns kunden inte med i listan över användare skapar du först en ny användare.",
    "Ändra användarens roll genom att klicka på pennsymbolen och sedan välja {administrator}.",
    "Välj till sist den här användaren som {main_contact}.",
)

ENGLISH: Mapping[str, Template] = {
    # parties, outcomes, severities, actions
    "party.office": "the accounting office",
    "party.customer": "the company",
    "outcome.customer_continues": "the company continues on its own",
    "outcome.deactivate": "the {service} is deactivated and stays readable",
    "outcome.end_subscription": "the subscription ends completely",
    "outcome.delete": "the {service} is deleted with all its data",
    "severity.blocker": "Blocker",
    "severity.needs_acknowledgement": "Needs acknowledgement",
    "severity.info": "Info",
    "action.end": "end the collaboration",
    "action.start": "start a collaboration",
    "action.change_variant": "change the variant",
    "action.cancel_subscription": "cancel the subscription",
    "action.overview": "see the collaborations",
    # rule titles, for the rules reference and the CLI
    "rule.R1": "Who may end: the customer's Administrator or the office",
    "rule.R2": "Other collaborations are not affected",
    "rule.R3": "A main contact is required",
    "rule.R4": "The main contact is an Administrator",
    "rule.R5": "Ending is final",
    "rule.R6": "Continue on its own, or end the {service}",
    "rule.R7": "Deleting erases all data and needs confirmation",
    "rule.R8": "Payroll: the customer is a payroll user",
    "rule.R9": "Payroll: the data is synchronised",
    "rule.R10": "Payroll: access after the end",
    "rule.R11": "Expenses: all reports submitted",
    "rule.R12": "Expenses: all outlays submitted",
    "rule.R13": "The office's overview of its customers",
    "rule.R14": "Office rights: full user rights and Administrator",
    "rule.R15": "Outcomes offered per product",
    "rule.R16": "Linked collaborations are ended first",
    "rule.R17": "The bank integration is ended first",
    "rule.R18": "Invoice recipient",
    "rule.R19": "Changing the variant does not end",
    "rule.R20": "Read-only access after deactivation",
    "rule.R21": "No cancellation while collaborating",
    "rule.R22": "Export before deletion",
    "rule.R23": "Paid to the end of the month",
    "rule.single-active": "One active collaboration per product",
    # findings
    "R1.not_member": "User {user} is not a user of {customer}, so they cannot {action} for {product}.",
    "R1.not_member.remedy": (
        "Sign in as an {administrator} of the company, or ask the accounting office to do it.",
    ),
    "R1.not_admin": (
        "Only an {administrator} of the company may {action} for {product}; {user} has the {user_role} role."
    ),
    "R1.not_admin.remedy": (
        "Ask an {administrator} of the company to do it, or ask the accounting office.",
        "Or have an {administrator} change {user}'s role to {administrator} in {portal} - {users_page}.",
    ),
    "R14.not_member": "User {user} is not a user of {office}, so they cannot {action} for {product}.",
    "R14.not_member.remedy": ("Sign in as a user of the accounting office that holds the collaboration.",),
    "R14.no_rights": (
        "Only a user with full user rights and the {administrator} role in {office} may {action}; "
        "{user} does not have both."
    ),
    "R14.no_rights.remedy": (
        "Ask a colleague with full user rights and the {administrator} role to do it.",
        "Or ask an {administrator} of the office to give you full user rights and the {administrator} role.",
    ),
    "R13.not_member": "User {user} is not an employee of {office} and cannot {action}.",
    "R13.not_member.remedy": ("Sign in as a user of the accounting office.",),
    "R2": "Other collaborations are not affected. Other active collaborations with {customer}: {count}.",
    "R3": "The main contact is missing for customer number {customer_number}.",
    "R3.remedy": _MAIN_CONTACT_STEPS_EN,
    "R4.not_admin": (
        "The {main_contact} of customer number {customer_number}, {user}, does not have the "
        "{administrator} role."
    ),
    "R4.not_user": (
        "The {main_contact} of customer number {customer_number} is no longer a user of the company."
    ),
    "R4.remedy": _MAIN_CONTACT_STEPS_EN,
    "R4.keep_admin": (
        "{user} is the {main_contact} of customer number {customer_number} and must stay an {administrator}."
    ),
    "R4.keep_admin.remedy": (
        "Select another {administrator} as {main_contact} first.",
        "Then change {user}'s role.",
    ),
    "R4.only_admin": "{user} has the {user_role} role; the {main_contact} must be an {administrator}.",
    "R4.only_admin.remedy": (
        "Change {user}'s role by selecting the pencil symbol followed by selecting {administrator}.",
        "Then select {user} as {main_contact}.",
    ),
    "R5": "The collaboration for {product} ended on {date}; an ended collaboration stays ended.",
    "R5.remedy": ("To go on working together, start a new collaboration.",),
    "R6.customer_continues": (
        "The company continues to work with {product} independently; {office} loses its access."
    ),
    "R6.deactivate": (
        "{product} is deactivated: existing information stays readable, no changes can be made."
    ),
    "R6.end_subscription": "The company ends its subscription to {product} completely.",
    "R6.delete": "The company's {product} is deleted.",
    "R7": "All information in {the_service} will be deleted. This cannot be undone.",
    "R7.remedy": ("Confirm the deletion explicitly to go ahead.",),
    "R8": "The customer has not been added as a user in {product}.",
    "R8.unknown": "Could not check whether the customer is a user in {product}.",
    "R8.remedy": ("Add the customer as a new user in {product} before handing over the backup file.",),
    "R9": "The data in {product} is not synchronised.",
    "R9.unknown": "Could not check whether the data in {product} is synchronised.",
    "R9.remedy": ("Synchronise the data in {product} before handing over the backup file.",),
    "R10": (
        "After the collaboration is ended, the company no longer has access to {the_service}. "
        "To continue, it works through {payroll_program} or via a new collaboration."
    ),
    "R11": "Reports not yet submitted: {count}.",
    "R11.delete": "Reports not yet submitted: {count}. They would be lost when {product} is deleted.",
    "R11.unknown": "Could not check whether all reports in {product} are submitted.",
    "R11.remedy": ("Check that all reports are submitted before ending the collaboration.",),
    "R12": "Users who have not submitted their outlays: {users}.",
    "R12.unknown": "Could not check whether all users have submitted their outlays in {product}.",
    "R12.remedy": ("Check that all users have submitted their outlays.",),
    "R15": "{product} does not offer this ending: {outcome}.",
    "R15.remedy": ("Choose one of: {offered}.",),
    "R16": "Linked collaborations are still active: {services}.",
    "R16.unknown": "Could not check for linked collaborations in {product}.",
    "R16.remedy": ("End the linked collaborations first, or acknowledge that they stay active.",),
    "R17": "A bank integration is active in this collaboration.",
    "R17.unknown": "Could not check for an active bank integration in {product}.",
    "R17.remedy": ("End the bank integration before ending the collaboration.",),
    "R18.transfer": "The subscription to {product} and its invoices move from {office} to the company.",
    "R18.recipient": (
        "{product} in the variant {variant} only allows the accounting office as invoice recipient."
    ),
    "R18.recipient.remedy": (
        "Make the accounting office the invoice recipient, or choose a variant where the company "
        "may receive the invoices.",
    ),
    "R19": "Changing the variant to {variant} does not end the collaboration.",
    "R20.office_keeps": (
        "The company keeps read-only access. {office} keeps read-only access too while it has "
        "other active collaborations with the company."
    ),
    "R20.office_loses": (
        "The company keeps read-only access. {office} has no other active collaboration with "
        "the company and loses its access."
    ),
    "R21": "{product} cannot be cancelled while a collaboration with {office} is active.",
    "R21.remedy": (
        "End the collaboration with the accounting office first (in {menu}), then cancel the subscription.",
    ),
    "R22": "Before the data is deleted, the company is offered an export of its submitted reports.",
    "R23.continue": "{payer} pays for {product} until {date}; from {next_date} the company pays.",
    "R23.end": "{payer} pays for {product} until {date}, the end of the month; then the subscription ends.",
    "single-active": "{customer} already has an active collaboration for {product}.",
    "single-active.remedy": ("End the existing collaboration first, or change its variant instead.",),
    # effects, in the words of the plan
    "effect.hand_over_payroll_backup": "Hand over the backup file of {product} to {customer}.",
    "effect.export_reports": "Export {customer}'s submitted reports from {product}.",
    "effect.revoke_office_access": "End {office}'s access to {product} for {customer}.",
    "effect.restrict_office_access": "Make {office}'s access to {product} read-only.",
    "effect.revoke_company_online_access": "End {customer}'s access to {product} online.",
    "effect.transfer_subscription": "Move the subscription to {product} and its invoices to {customer}.",
    "effect.deactivate_subscription": "Deactivate {product}: readable, no changes.",
    "effect.cancel_subscription": "End the subscription to {product} at the end of the month.",
    "effect.erase_service_data": "Delete all data in {product} for {customer}.",
    "effect.notify_office": "Notify {office}.",
    "effect.notify_customer": "Notify {customer}.",
    # consequences
    "access.office.none": "{office} no longer has access to {product}.",
    "access.office.read_only": "{office} keeps read-only access to {product}.",
    "access.company.full": "The company keeps working in {product}.",
    "access.company.read_only": "The company can read, but not change, its information in {product}.",
    "access.company.payroll_program": "The company continues through {payroll_program}.",
    "access.company.none": "The company no longer has access to {product}.",
    "billing.unchanged": "The company keeps paying for {product}.",
    "consequence.deleted": "All data in {product} for the company is deleted.",
    # notifications
    "notification.subject": "The collaboration for {product} has ended",
    "notification.intro": (
        "The collaboration between {office} and {customer} for {product} ended on {date}: {outcome}."
    ),
}

SWEDISH: Mapping[str, Template] = {
    "party.office": "redovisningsbyrån",
    "party.customer": "företaget",
    "outcome.customer_continues": "företaget fortsätter på egen hand",
    "outcome.deactivate": "{the_service} inaktiveras och går fortfarande att läsa",
    "outcome.end_subscription": "abonnemanget avslutas helt",
    "outcome.delete": "{the_service} tas bort med alla uppgifter",
    "severity.blocker": "Hinder",
    "severity.needs_acknowledgement": "Kräver bekräftelse",
    "severity.info": "Information",
    "action.end": "avsluta samarbetet",
    "action.start": "starta ett samarbete",
    "action.change_variant": "byta variant",
    "action.cancel_subscription": "säga upp abonnemanget",
    "action.overview": "se samarbetena",
    "rule.R1": "Vem som får avsluta: kundens administratör eller byrån",
    "rule.R2": "Andra samarbeten påverkas inte",
    "rule.R3": "En huvudkontakt krävs",
    "rule.R4": "Huvudkontakten är administratör",
    "rule.R5": "Ett avslutat samarbete förblir avslutat",
    "rule.R6": "Fortsätta på egen hand eller avsluta {the_service}",
    "rule.R7": "Borttagning raderar alla uppgifter och måste bekräftas",
    "rule.R8": "Lön: kunden är användare i lönetjänsten",
    "rule.R9": "Lön: uppgifterna är synkroniserade",
    "rule.R10": "Lön: åtkomst efter avslutet",
    "rule.R11": "Utlägg: alla rapporter är inskickade",
    "rule.R12": "Utlägg: alla utlägg är inskickade",
    "rule.R13": "Byråns översikt över sina kunder",
    "rule.R14": "Byråns behörighet: full behörighet och administratör",
    "rule.R15": "Vilka avslut varje produkt erbjuder",
    "rule.R16": "Kopplade samarbeten avslutas först",
    "rule.R17": "Bankkopplingen avslutas först",
    "rule.R18": "Fakturamottagare",
    "rule.R19": "Att byta variant avslutar inte samarbetet",
    "rule.R20": "Läsbehörighet efter inaktivering",
    "rule.R21": "Ingen uppsägning under pågående samarbete",
    "rule.R22": "Export före borttagning",
    "rule.R23": "Betalt till månadens slut",
    "rule.single-active": "Ett aktivt samarbete per produkt",
    "R1.not_member": (
        "Användaren {user} är inte användare hos {customer} och kan därför inte {action} för {product}."
    ),
    "R1.not_member.remedy": (
        "Logga in som {administrator} för företaget, eller be redovisningsbyrån göra det.",
    ),
    "R1.not_admin": (
        "Bara en {administrator} för företaget får {action} för {product}; {user} har rollen {user_role}."
    ),
    "R1.not_admin.remedy": (
        "Be en {administrator} för företaget göra det, eller be redovisningsbyrån.",
        "Eller låt en {administrator} ändra rollen för {user} till {administrator} i {portal} - "
        "{users_page}.",
    ),
    "R14.not_member": (
        "Användaren {user} är inte användare hos {office} och kan därför inte {action} för {product}."
    ),
    "R14.not_member.remedy": ("Logga in som användare hos den redovisningsbyrå som har samarbetet.",),
    "R14.no_rights": (
        "Bara en användare med full behörighet och rollen {administrator} hos {office} får "
        "{action}; {user} har inte båda."
    ),
    "R14.no_rights.remedy": (
        "Be en kollega med full behörighet och rollen {administrator} att göra det.",
        "Eller be en {administrator} på byrån att ge dig full behörighet och rollen {administrator}.",
    ),
    "R13.not_member": "Användaren {user} är inte anställd hos {office} och kan inte {action}.",
    "R13.not_member.remedy": ("Logga in som användare hos redovisningsbyrån.",),
    "R2": "Andra samarbeten påverkas inte. Andra aktiva samarbeten med {customer}: {count}.",
    "R3": "Huvudkontakt saknas för kundnummer {customer_number}.",
    "R3.remedy": _MAIN_CONTACT_STEPS_SV,
    "R4.not_admin": "Användaren {user}, som är {main_contact} för kundnummer {customer_number}, har inte rollen {administrator}.",
    "R4.not_user": "Den som är {main_contact} för kundnummer {customer_number} är inte längre användare i företaget.",
    "R4.remedy": _MAIN_CONTACT_STEPS_SV,
    "R4.keep_admin": "{user} är {main_contact} för kundnummer {customer_number} och måste förbli {administrator}.",
    "R4.keep_admin.remedy": (
        "Välj först en annan {administrator} som {main_contact}.",
        "Ändra sedan rollen för {user}.",
    ),
    "R4.only_admin": "{user} har rollen {user_role}; {main_contact} måste vara {administrator}.",
    "R4.only_admin.remedy": (
        "Ändra rollen för {user} genom att klicka på pennsymbolen och sedan välja {administrator}.",
        "Välj sedan {user} som {main_contact}.",
    ),
    "R5": "Samarbetet för {product} avslutades {date}; ett avslutat samarbete förblir avslutat.",
    "R5.remedy": ("Starta ett nytt samarbete för att fortsätta arbeta tillsammans.",),
    "R6.customer_continues": (
        "Företaget fortsätter att arbeta i {product} på egen hand; {office} förlorar sin åtkomst."
    ),
    "R6.deactivate": (
        "{product} inaktiveras: befintliga uppgifter går att läsa, men inga ändringar kan göras."
    ),
    "R6.end_subscription": "Företaget avslutar sitt abonnemang på {product} helt.",
    "R6.delete": "Företagets {product} tas bort.",
    "R7": "All information i {the_service} kommer att tas bort. Det går inte att ångra.",
    "R7.remedy": ("Bekräfta borttagningen uttryckligen för att gå vidare.",),
    "R8": "Kunden har inte lagts till som användare i {product}.",
    "R8.unknown": "Det gick inte att kontrollera om kunden är användare i {product}.",
    "R8.remedy": ("Lägg till kunden som ny användare i {product} innan säkerhetskopian lämnas över.",),
    "R9": "Uppgifterna i {product} är inte synkroniserade.",
    "R9.unknown": "Det gick inte att kontrollera om uppgifterna i {product} är synkroniserade.",
    "R9.remedy": ("Synkronisera uppgifterna i {product} innan säkerhetskopian lämnas över.",),
    "R10": "När samarbetet har avslutats har företaget inte längre åtkomst till {the_service}. Vill företaget fortsätta görs det via {payroll_program} eller genom ett nytt samarbete.",
    "R11": "Rapporter som inte är inskickade: {count}.",
    "R11.delete": ("Rapporter som inte är inskickade: {count}. De försvinner när {product} tas bort."),
    "R11.unknown": "Det gick inte att kontrollera om alla rapporter i {product} är inskickade.",
    "R11.remedy": ("Kontrollera att alla rapporter är inskickade innan samarbetet avslutas.",),
    "R12": "Användare som inte har skickat in sina utlägg: {users}.",
    "R12.unknown": (
        "Det gick inte att kontrollera om alla användare har skickat in sina utlägg i {product}."
    ),
    "R12.remedy": ("Kontrollera att alla användare har skickat in sina utlägg.",),
    "R15": "{product} erbjuder inte det här avslutet: {outcome}.",
    "R15.remedy": ("Välj något av följande: {offered}.",),
    "R16": "Kopplade samarbeten är fortfarande aktiva: {services}.",
    "R16.unknown": "Det gick inte att kontrollera om det finns kopplade samarbeten i {product}.",
    "R16.remedy": ("Avsluta de kopplade samarbetena först, eller bekräfta att de får fortsätta.",),
    "R17": "En bankkoppling är aktiv i samarbetet.",
    "R17.unknown": "Det gick inte att kontrollera om en bankkoppling är aktiv i {product}.",
    "R17.remedy": ("Avsluta bankkopplingen innan samarbetet avslutas.",),
    "R18.transfer": "Abonnemanget på {product} och dess fakturor flyttas från {office} till företaget.",
    "R18.recipient": "{product} i varianten {variant} tillåter bara redovisningsbyrån som fakturamottagare.",
    "R18.recipient.remedy": (
        "Gör redovisningsbyrån till fakturamottagare, eller välj en variant där företaget får "
        "ta emot fakturorna.",
    ),
    "R19": "Att byta variant till {variant} avslutar inte samarbetet.",
    "R20.office_keeps": (
        "Företaget behåller läsbehörighet. {office} behåller också läsbehörighet så länge byrån "
        "har andra aktiva samarbeten med företaget."
    ),
    "R20.office_loses": (
        "Företaget behåller läsbehörighet. {office} har inga andra aktiva samarbeten med "
        "företaget och förlorar sin åtkomst."
    ),
    "R21": "{product} kan inte sägas upp medan ett samarbete med {office} är aktivt.",
    "R21.remedy": (
        "Avsluta först samarbetet med redovisningsbyrån (under {menu}), säg sedan upp abonnemanget.",
    ),
    "R22": "Innan uppgifterna tas bort erbjuds företaget en export av sina inskickade rapporter.",
    "R23.continue": "{payer} betalar för {product} till och med {date}; från {next_date} betalar företaget.",
    "R23.end": "{payer} betalar för {product} till och med {date}, månadens slut; sedan upphör abonnemanget.",
    "single-active": "{customer} har redan ett aktivt samarbete för {product}.",
    "single-active.remedy": ("Avsluta det befintliga samarbetet först, eller byt variant i stället.",),
    "effect.hand_over_payroll_backup": "Lämna över säkerhetskopian av {product} till {customer}.",
    "effect.export_reports": "Exportera de inskickade rapporterna för {customer} från {product}.",
    "effect.revoke_office_access": "Avsluta åtkomsten till {product} för {office} hos {customer}.",
    "effect.restrict_office_access": "Begränsa åtkomsten till {product} för {office} till läsbehörighet.",
    "effect.revoke_company_online_access": "Avsluta åtkomsten till {product} online för {customer}.",
    "effect.transfer_subscription": "Flytta abonnemanget på {product} och dess fakturor till {customer}.",
    "effect.deactivate_subscription": "Inaktivera {product}: uppgifterna går att läsa men inte ändra.",
    "effect.cancel_subscription": "Avsluta abonnemanget på {product} vid månadens slut.",
    "effect.erase_service_data": "Ta bort alla uppgifter i {product} för {customer}.",
    "effect.notify_office": "Meddela {office}.",
    "effect.notify_customer": "Meddela {customer}.",
    "access.office.none": "{office} har inte längre åtkomst till {product}.",
    "access.office.read_only": "{office} behåller läsbehörighet till {product}.",
    "access.company.full": "Företaget fortsätter att arbeta i {product}.",
    "access.company.read_only": "Företaget kan läsa, men inte ändra, sina uppgifter i {product}.",
    "access.company.payroll_program": "Företaget fortsätter via {payroll_program}.",
    "access.company.none": "Företaget har inte längre åtkomst till {product}.",
    "billing.unchanged": "Företaget fortsätter att betala för {product}.",
    "consequence.deleted": "Alla företagets uppgifter i {product} tas bort.",
    "notification.subject": "Samarbetet för {product} har avslutats",
    "notification.intro": (
        "Samarbetet mellan {office} och {customer} för {product} avslutades {date}: {outcome}."
    ),
}


def default_texts() -> Texts:
    return Texts(
        templates={"en": {**ENGLISH, **LIFECYCLE_ENGLISH}, "sv": {**SWEDISH, **LIFECYCLE_SWEDISH}},
        brands={"visma": VISMA, "spiris": SPIRIS},
    )

"""The words of the lifecycle beyond an instant end: scheduled ends, acceptance, invitations,
the former office's read-only access, moves and the timeline, in English and Swedish.

Kept apart from the seeds' words so that those stay as the help pages have them; merged
into the same tables by :func:`collabcore.wording.words.default_texts`.
"""

from __future__ import annotations

from collections.abc import Mapping

from collabcore.wording.texts import Template

LIFECYCLE_ENGLISH: Mapping[str, Template] = {
    "action.move": "move to another accounting office",
    "rule.L1": "The customer's Administrator accepts the office's change",
    "L1": "{office} cannot {action} for {product} on its own: the company's Administrator must accept.",
    "L1.remedy": (
        "Send it as a request (schedule the end, or invite the company); the company's "
        "Administrator accepts it before it expires.",
        "Until then nothing changes; a request nobody accepts in time expires and does nothing.",
    ),
    "R20.grace": "{office} keeps read-only access to {product} until {date}.",
    "effect.grant_office_access": "Give {office} access to {product} for {customer}.",
    "effect.change_payer": "Send the invoices for {product} to the new invoice recipient.",
    "effect.revoke_linked_services": "End the access of the linked services to {product}.",
    "timeline.scheduled": "The end is scheduled; either party may withdraw it until {date}.",
    "timeline.ends": "The collaboration for {product} ends.",
    "timeline.paid_until": "Last day {payer} pays for {product}.",
    "timeline.next_payer": "From today the company pays for {product}.",
    "timeline.read_only_while": (
        "{office} keeps read-only access while it has other active collaborations with {customer}."
    ),
    "timeline.read_only_ends": "{office}'s read-only access to {product} ends.",
    "request.scheduled_end": "End of {product} on {date}",
    "request.invitation": "Start of {product} with {office}",
    "request.read_only_access": "Read-only access of {office} to {product}",
    "request.status.awaiting_acceptance": "awaits {party}'s acceptance until {date}",
    "request.status.scheduled": "scheduled",
    "request.status.carried_out": "carried out",
    "request.status.blocked": "blocked on its date",
    "request.status.withdrawn": "withdrawn",
    "request.status.declined": "declined",
    "request.status.expired": "expired",
    "request.status.superseded": "superseded",
    "overview.ends_on": "ends on {date}",
    "overview.read_only_until": "read-only until {date}",
    "overview.read_only_while": "read-only while other collaborations last",
    "overview.awaiting": "awaits acceptance until {date}",
    "move.summary": "{product} moves from {from_office} to {to_office} on {date}.",
    "move.payer": (
        "{payer} pays for {product} until {date}; from {next_date} the invoices go to {next_payer}."
    ),
    "move.same_office": "{product} is already with {to_office}.",
    "notice.end_blocked.subject": "The scheduled end of {product} was not carried out",
    "notice.end_blocked": (
        "The end of the collaboration between {office} and {customer} for {product}, scheduled "
        "for {date}, was not carried out. Nothing has changed. What stopped it:"
    ),
    "notice.scheduled.subject": "The collaboration for {product} is to end on {date}",
    "notice.scheduled": (
        "The collaboration between {office} and {customer} for {product} is scheduled to end on "
        "{date}. Until then either party may withdraw the end."
    ),
    "notice.withdrawn.subject": "The end of {product} on {date} was withdrawn",
    "notice.withdrawn": (
        "The end of the collaboration between {office} and {customer} for {product} was withdrawn."
    ),
    "notice.declined.subject": "A request about {product} was declined",
    "notice.declined": (
        "The request about {product} between {office} and {customer} was declined; nothing changes."
    ),
    "notice.read_only_ended.subject": "Read-only access to {product} has ended",
    "notice.read_only_ended": "{office}'s read-only access to {customer}'s {product} ended on {date}.",
    "notice.awaiting.subject": "A request about {product} waits for you",
    "notice.awaiting": (
        "{office} and {customer}: a request about {product} waits for your acceptance until {date}."
    ),
    "notice.moved_out.subject": "{customer} has moved {product} to another accounting office",
    "notice.moved_out": (
        "{customer} moved {product} from {office} to another accounting office on {date}; "
        "your access ends and the backup and reports are handed over."
    ),
    "notice.moved_in.subject": "{customer} has moved {product} to you",
    "notice.moved_in": "{customer} moved {product} to {office} on {date}; your access is being set up.",
}

LIFECYCLE_SWEDISH: Mapping[str, Template] = {
    "action.move": "byta redovisningsbyrå",
    "rule.L1": "Kundens administratör godkänner byråns ändring",
    "L1": "{office} kan inte {action} för {product} på egen hand: företagets administratör måste godkänna.",
    "L1.remedy": (
        "Skicka det som en begäran (schemalägg avslutet eller bjud in företaget); företagets "
        "administratör godkänner den innan den upphör.",
        "Till dess ändras ingenting; en begäran som ingen godkänner i tid upphör och gör ingenting.",
    ),
    "R20.grace": "{office} behåller läsbehörighet till {product} till och med {date}.",
    "effect.grant_office_access": "Ge {office} åtkomst till {product} för {customer}.",
    "effect.change_payer": "Skicka fakturorna för {product} till den nya fakturamottagaren.",
    "effect.revoke_linked_services": "Avsluta de kopplade tjänsternas åtkomst till {product}.",
    "timeline.scheduled": "Avslutet är schemalagt; båda parter kan återkalla det fram till {date}.",
    "timeline.ends": "Samarbetet för {product} avslutas.",
    "timeline.paid_until": "Sista dagen {payer} betalar för {product}.",
    "timeline.next_payer": "Från i dag betalar företaget för {product}.",
    "timeline.read_only_while": (
        "{office} behåller läsbehörighet så länge byrån har andra aktiva samarbeten med {customer}."
    ),
    "timeline.read_only_ends": "Läsbehörigheten till {product} för {office} upphör.",
    "request.scheduled_end": "Avslut av {product} den {date}",
    "request.invitation": "Start av {product} med {office}",
    "request.read_only_access": "Läsbehörighet för {office} till {product}",
    "request.status.awaiting_acceptance": "väntar på att {party} godkänner senast {date}",
    "request.status.scheduled": "schemalagd",
    "request.status.carried_out": "genomförd",
    "request.status.blocked": "stoppad på sitt datum",
    "request.status.withdrawn": "återkallad",
    "request.status.declined": "avböjd",
    "request.status.expired": "har upphört",
    "request.status.superseded": "ersatt",
    "overview.ends_on": "avslutas {date}",
    "overview.read_only_until": "läsbehörighet till och med {date}",
    "overview.read_only_while": "läsbehörighet så länge andra samarbeten pågår",
    "overview.awaiting": "väntar på godkännande senast {date}",
    "move.summary": "{product} flyttas från {from_office} till {to_office} den {date}.",
    "move.payer": (
        "{payer} betalar för {product} till och med {date}; från {next_date} går fakturorna till "
        "{next_payer}."
    ),
    "move.same_office": "{product} finns redan hos {to_office}.",
    "notice.end_blocked.subject": "Det schemalagda avslutet av {product} genomfördes inte",
    "notice.end_blocked": (
        "Avslutet av samarbetet mellan {office} och {customer} för {product}, schemalagt till "
        "{date}, genomfördes inte. Ingenting har ändrats. Det här stoppade det:"
    ),
    "notice.scheduled.subject": "Samarbetet för {product} avslutas {date}",
    "notice.scheduled": (
        "Samarbetet mellan {office} och {customer} för {product} är schemalagt att avslutas {date}. "
        "Fram till dess kan båda parter återkalla avslutet."
    ),
    "notice.withdrawn.subject": "Avslutet av {product} den {date} har återkallats",
    "notice.withdrawn": (
        "Avslutet av samarbetet mellan {office} och {customer} för {product} har återkallats."
    ),
    "notice.declined.subject": "En begäran om {product} har avböjts",
    "notice.declined": "Begäran om {product} mellan {office} och {customer} har avböjts; ingenting ändras.",
    "notice.read_only_ended.subject": "Läsbehörigheten till {product} har upphört",
    "notice.read_only_ended": "Läsbehörigheten för {office} till {product} hos {customer} upphörde {date}.",
    "notice.awaiting.subject": "En begäran om {product} väntar på dig",
    "notice.awaiting": (
        "{office} och {customer}: en begäran om {product} väntar på ditt godkännande senast {date}."
    ),
    "notice.moved_out.subject": "{customer} har flyttat {product} till en annan redovisningsbyrå",
    "notice.moved_out": (
        "{customer} flyttade {product} från {office} till en annan redovisningsbyrå den {date}; "
        "er åtkomst upphör och säkerhetskopian och rapporterna lämnas över."
    ),
    "notice.moved_in.subject": "{customer} har flyttat {product} till er",
    "notice.moved_in": "{customer} flyttade {product} till {office} den {date}; er åtkomst ordnas nu.",
}

LIFECYCLE_TEXTS: frozenset[str] = frozenset(LIFECYCLE_ENGLISH)
"""Every key above; the service requires them whatever the rulebook holds."""

"""The words of the tools (the demo's story, a plan as text), apart from the library's own.

Production code never reads them; :func:`narrating` adds them to a localizer of
any brand, so a tool tells its story in the same brand and language as the
plans it shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs
from attrs import frozen

from collabcore.domain.errors import InvalidInput
from collabcore.wording.texts import Localizer, Template

NARRATION: Mapping[str, Mapping[str, Template]] = {
    "en": {
        "demo.title": "collabcore demo, {brand}: ending a collaboration for {product}",
        "demo.setup": "{office} collaborates with {customer} (customer number {customer_number}) on {products}.",
        "demo.overview": "Overview in {menu}:",
        "demo.try_end": "{user} at {office} tries to end {product} and delete the {service}.",
        "demo.refused": "Refused. Every finding:",
        "demo.fix_main_contact": "The office follows the steps: {user} becomes {administrator} and {main_contact}.",
        "demo.still_refused": "Still refused:",
        "demo.submitted": "The company submits its reports and outlays. The plan now:",
        "demo.effects": "What will happen, in order:",
        "demo.consequences": "Consequences:",
        "demo.timeline": "When:",
        "move.title": "Moving to another accounting office. {verdict}",
        "demo.move_title": "{customer} moves {product} to {office}:",
        "demo.moved": "Moved. The relay carried out {count} effects of the hand-over.",
        "demo.schedule_title": "{customer} schedules the end of {product} for {date}:",
        "demo.withdrawn": "{office} asks to keep it; the company withdraws the end: {status}.",
        "plan.title": "Ending {product} ({collaboration}): {outcome}. {verdict}",
        "plan.allowed": "Allowed.",
        "plan.refused": "Not allowed yet.",
        "demo.ended": "Ended. The relay carried out {count} effects.",
        "demo.events": "Events recorded for {customer}:",
        "demo.notified": "Notified {party}: {subject}",
        "demo.stored": "Stored in {path}.",
        "demo.by_host": "registered by the platform",
    },
    "sv": {
        "demo.title": "collabcore-demo, {brand}: att avsluta ett samarbete för {product}",
        "demo.setup": "{office} samarbetar med {customer} (kundnummer {customer_number}) om {products}.",
        "demo.overview": "Översikt under {menu}:",
        "demo.try_end": "{user} på {office} försöker avsluta {product} och ta bort {the_service}.",
        "demo.refused": "Nekat. Alla anmärkningar:",
        "demo.fix_main_contact": "Byrån följer stegen: {user} blir {administrator} och {main_contact}.",
        "demo.still_refused": "Fortfarande nekat:",
        "demo.submitted": "Företaget skickar in sina rapporter och utlägg. Planen nu:",
        "demo.effects": "Det här händer, i tur och ordning:",
        "demo.consequences": "Följder:",
        "demo.timeline": "När:",
        "move.title": "Byte av redovisningsbyrå. {verdict}",
        "demo.move_title": "{customer} flyttar {product} till {office}:",
        "demo.moved": "Flyttat. {count} åtgärder i överlämningen har genomförts.",
        "demo.schedule_title": "{customer} schemalägger avslutet av {product} till {date}:",
        "demo.withdrawn": "{office} vill fortsätta; företaget återkallar avslutet: {status}.",
        "plan.title": "Avsluta {product} ({collaboration}): {outcome}. {verdict}",
        "plan.allowed": "Tillåtet.",
        "plan.refused": "Inte tillåtet ännu.",
        "demo.ended": "Avslutat. {count} åtgärder har genomförts.",
        "demo.events": "Händelser som sparats för {customer}:",
        "demo.notified": "Meddelande till {party}: {subject}",
        "demo.stored": "Sparat i {path}.",
        "demo.by_host": "registrerat av plattformen",
    },
}


def narrating(loc: Localizer) -> Localizer:
    """``loc`` with the tools' words in its language (English where it has none)."""
    return loc.with_words(NARRATION.get(loc.language, NARRATION["en"]))


@frozen
class Said:
    """A sentence of the catalogs by its key, with its values (a value may be a ``Said``
    itself), told in whichever brand and language a localizer speaks."""

    key: str
    params: Mapping[str, object] = attrs.field(factory=dict)

    def __call__(self, loc: Localizer) -> str:
        values = {k: v(loc) if isinstance(v, Said) else v for k, v in self.params.items()}
        return loc.text(self.key, **values)


class CliError(Exception):
    """The command line's own input is wrong, in its own words: the sentence ``key`` of the
    catalogs (``cli.facts.type``...) with ``params``, told in the brand and language the
    command asks for, as an invalid request's problem document (:meth:`as_invalid_input`);
    ``option`` (``--facts``) is the ``path`` it names. ``reason`` is the English its
    ``invalid.reason`` carries, when it is not the sentence's own. Not a library error: the
    command line raises it, and tells it, itself."""

    def __init__(
        self, key: str, option: str | None = None, /, *, reason: str | None = None, **params: object
    ) -> None:
        self.said = Said(key, params)
        self.path = option
        self.reason = reason
        super().__init__(key)

    def as_invalid_input(self, english: Localizer) -> InvalidInput:
        """The library's kind of error for it, with its English as the reason."""
        return InvalidInput(self.reason or self.said(english), path=self.path)


_USAGE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"the following arguments are required: (?P<names>.+)"), "cli.argparse.required"),
    (re.compile(r"unrecognized arguments: (?P<names>.+)"), "cli.argparse.unrecognized"),
    (re.compile(r"argument (?P<name>\S+?): expected one argument"), "cli.argparse.expected_one"),
    (
        re.compile(
            r"argument (?P<name>\S+?): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)"
        ),
        "cli.argparse.invalid_choice",
    ),
    (re.compile(r"argument (?P<name>\S+?): invalid \S+ value: (?P<value>.+)"), "cli.argparse.invalid_value"),
)
"""argparse's own reasons, which it words in English only, by the key that says each in ours."""


def usage_reason(loc: Localizer, message: str) -> str:
    """Why argparse refused the command line, in the reader's language (its English for a
    reason it words in a way not listed here)."""
    for pattern, key in _USAGE:
        found = pattern.fullmatch(message)
        if found is not None:
            return loc.text("cli.argparse.error", reason=loc.text(key, **found.groupdict()))
    return loc.text("cli.argparse.error", reason=message)

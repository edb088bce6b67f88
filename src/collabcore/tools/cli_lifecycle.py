"""The lifecycle's commands: ``schedule``, ``withdraw``, ``accept``, ``decline``, ``invite``,
``move``, ``requests`` and ``due``, each with ``--json``, each telling in the catalogs'
words of the brand and language asked for."""

from __future__ import annotations

import argparse
import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from collabcore.adapters.documents import document, document_json
from collabcore.app.service import CollaborationService
from collabcore.domain.errors import CollabCoreError, InvalidInput
from collabcore.domain.model import Actor, Outcome, Party
from collabcore.domain.plans import Plan
from collabcore.domain.requests import LifecycleRequest, RequestKind
from collabcore.tools.display import finding_lines, move_text, request_line, what_follows
from collabcore.tools.words import CliError
from collabcore.wording.lifecycle_words import request_status
from collabcore.wording.texts import Localizer

Handler = Callable[[argparse.Namespace, CollaborationService], int]

DUE_LIMIT = 10_000
"""The most requests one ``due`` run may carry out (``carry_out_due``'s own bound)."""


def add_commands(
    commands: Any,
    acting: Callable[..., None],
    words: Callable[[argparse.ArgumentParser], None],
    fact_lines: str,
) -> dict[str, Handler]:
    """Add the lifecycle's subcommands to ``commands``; returns each one's handler.
    ``acting(parser, side)`` adds the options of who acts, ``words(parser)`` those of the
    brand and language, and ``fact_lines`` lists the facts ``--facts`` knows."""
    fact_list = {"epilog": fact_lines, "formatter_class": argparse.RawDescriptionHelpFormatter}
    schedule = commands.add_parser(
        "schedule", help="end a collaboration on a date (default: month end)", **fact_list
    )
    acting(schedule)
    schedule.add_argument("collaboration", help="the collaboration's id")
    schedule.add_argument("--outcome", required=True, choices=[o.value for o in Outcome])
    schedule.add_argument(
        "--on", default=None, metavar="YYYY-MM-DD", help="the day it takes effect: today or later"
    )
    schedule.add_argument("--acknowledge", nargs="*", default=[], metavar="CODE")
    schedule.add_argument("--confirm-deletion", action="store_true")
    schedule.add_argument(
        "--facts",
        default=None,
        metavar="JSON",
        help="what the integrations would say, as JSON (as for plan; listed below); without it, "
        "every fact is unknown",
    )
    for name, text in (
        ("withdraw", "withdraw a scheduled end or one's own invitation"),
        ("accept", "accept a request that waits for you"),
        ("decline", "decline a request that waits for you"),
    ):
        answer = commands.add_parser(name, help=text)
        acting(answer)
        answer.add_argument("request", help="the request's id")
    invite = commands.add_parser("invite", help="ask the other party to start a collaboration")
    acting(invite)
    invite.add_argument("--to-office", required=True, help="the office (as the customer), or your own")
    invite.add_argument("--for-customer", required=True, help="the customer")
    invite.add_argument("--product", required=True)
    invite.add_argument("--variant", default=None)
    invite.add_argument("--invoice-recipient", choices=[p.value for p in Party], default=Party.OFFICE.value)
    move = commands.add_parser(
        "move", help="move a customer's products to another office in one step", **fact_list
    )
    acting(move, "customer")
    move.add_argument("--from-office", required=True)
    move.add_argument("--to-office", required=True)
    move.add_argument("--product", nargs="*", default=None, help="default: every product")
    move.add_argument("--acknowledge", nargs="*", default=[], metavar="CODE")
    move.add_argument("--plan", action="store_true", help="show the plan only, change nothing")
    move.add_argument(
        "--facts",
        default=None,
        metavar="JSON",
        help="what the integrations would say, as JSON (as for plan; listed below); without it, "
        "every fact is unknown",
    )
    requests = commands.add_parser("requests", help="your office's or company's open requests")
    acting(requests)
    requests.add_argument("--all", action="store_true", help="settled ones too")
    due = commands.add_parser("due", help="carry out what is due (run it from a scheduler)")
    words(due)
    due.add_argument("--db", type=Path, required=True, help="the collabcore SQLite file")
    due.add_argument(
        "--limit", default=None, metavar="N", help=f"at most N requests this run (1 to {DUE_LIMIT:,}; 100)"
    )
    due.add_argument("--json", action="store_true", help="machine-readable output")
    return {
        "schedule": _schedule,
        "withdraw": _answer,
        "accept": _answer,
        "decline": _answer,
        "invite": _invite,
        "move": _move,
        "requests": _requests,
        "due": _due,
    }


def actor_of(args: argparse.Namespace) -> Actor:
    """The actor of a command's ``--office``/``--customer`` and ``--user``."""
    return Actor.office(args.office, args.user) if args.office else Actor.customer(args.customer, args.user)


def limit_of(text: str | None, high: int) -> int | None:
    """``--limit`` as a whole number from 1 to ``high``; None when it is not given."""
    if text is None:
        return None
    try:
        limit = int(text.strip())
    except ValueError:
        limit = 0
    if not 1 <= limit <= high:
        raise CliError("cli.limit", "--limit", low=1, high=high, value=json.dumps(text, ensure_ascii=False))
    return limit


def _day(text: str | None) -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CliError("cli.on.day", "--on", value=json.dumps(text, ensure_ascii=False)) from None


def _show_request(args: argparse.Namespace, service: CollaborationService, request: LifecycleRequest) -> int:
    shown = document_json(request) if args.json else None
    print(shown or request_line(request, service))
    return 0


def _schedule(args: argparse.Namespace, service: CollaborationService) -> int:
    day = _day(args.on)
    try:
        scheduled = service.schedule_end(
            args.collaboration,
            actor=actor_of(args),
            outcome=args.outcome,
            effective=day,
            acknowledge=set(args.acknowledge),
            confirm_deletion=args.confirm_deletion,
        )
    except InvalidInput as error:
        raise _scheduling_error(args, service, error, day) from None
    if args.json:
        print(document_json(scheduled))
        return 0
    loc = args.loc
    print(request_line(scheduled.request, service))
    print("\n".join(_on_its_day(scheduled.preview, loc)))
    return 0


def _scheduling_error(
    args: argparse.Namespace, service: CollaborationService, error: InvalidInput, day: datetime.date | None
) -> CollabCoreError | CliError:
    """The library's refusal of a day or of a second end, in the command line's words."""
    if error.path == "effective" and day is not None:
        today = service.clock().date().isoformat()
        return CliError("cli.on.past", "--on", day=day.isoformat(), today=today)
    if error.path == "collaboration_id":
        try:
            waiting = service.requests(actor=actor_of(args), open_only=True)
        except CollabCoreError:
            return error
        for r in waiting:
            if r.kind is RequestKind.SCHEDULED_END and r.collaboration_id == args.collaboration:
                return CliError(
                    "cli.schedule.already", "COLLABORATION", collaboration=r.collaboration_id, request=r.id
                )
    return error


def _on_its_day(preview: Plan, loc: Localizer) -> list[str]:
    """What a scheduled end's preview says: the end is asked of the rules again on its day,
    and what would refuse it then if nothing changes; then what it does, and when."""
    day = "" if preview.effective_on is None else preview.effective_on.isoformat()
    refusing = preview.blocking_findings
    lines = [loc.text("cli.scheduled.refusing" if refusing else "cli.scheduled.clear", date=day)]
    lines += finding_lines(loc, refusing)
    others = tuple(f for f in preview.findings if f not in refusing)
    if others:
        lines.append(loc.text("cli.scheduled.notes"))
        lines += finding_lines(loc, others)
    return lines + what_follows(loc, preview)


def _answer(args: argparse.Namespace, service: CollaborationService) -> int:
    answer = getattr(service, args.command)
    actor = actor_of(args)
    try:
        request = answer(args.request, actor=actor)
    except InvalidInput as error:
        if error.path != "request_id":
            raise
        try:
            found = service.get_request(args.request, actor=actor)
        except CollabCoreError:
            raise error from None
        if found.is_open:
            raise
        status = request_status(found, args.loc)
        raise CliError("request.settled", "REQUEST", request=found.id, status=status) from None
    return _show_request(args, service, request)


def _invite(args: argparse.Namespace, service: CollaborationService) -> int:
    request = service.invite(
        actor=actor_of(args),
        office_id=args.to_office,
        customer_id=args.for_customer,
        product=args.product,
        variant=args.variant,
        invoice_recipient=args.invoice_recipient,
    )
    return _show_request(args, service, request)


def _move(args: argparse.Namespace, service: CollaborationService) -> int:
    options: dict[str, Any] = {
        "actor": actor_of(args),
        "from_office_id": args.from_office,
        "to_office_id": args.to_office,
        "products": args.product or None,
        "acknowledge": set(args.acknowledge),
    }
    plan = service.plan_move(args.customer, **options)
    if args.plan or not plan.allowed:
        print(document_json(plan) if args.json else move_text(plan, args.loc))
        return 0 if plan.allowed else 1
    moved = service.move(args.customer, **options)
    if args.json:
        print(document_json(moved))
        return 0
    loc = args.loc
    with service.store.transaction(write=False) as uow:
        office = uow.get_office(args.to_office)
    name = args.to_office if office is None else office.name
    for ended, started in zip(moved.ended, moved.started, strict=True):
        product = loc.product(started.product)
        print(
            loc.text(
                "cli.moved", product=product, ended=ended.collaboration.id, started=started.id, office=name
            )
        )
    return 0


def _requests(args: argparse.Namespace, service: CollaborationService) -> int:
    found = service.requests(actor=actor_of(args), open_only=not args.all)
    if args.json:
        print(json.dumps([document(r) for r in found], ensure_ascii=False))
        return 0
    for r in found:
        print(request_line(r, service))
    if not found:
        print(args.loc.text("cli.requests.none_at_all" if args.all else "cli.requests.none"))
    return 0


def _due(args: argparse.Namespace, service: CollaborationService) -> int:
    report = service.carry_out_due(limit=limit_of(args.limit, DUE_LIMIT) or 100)
    if args.json:
        print(document_json(report))
    else:
        names = ("carried_out", "blocked", "expired", "revoked", "skipped", "failed")
        print(args.loc.text("cli.due", **{n: getattr(report, n) for n in names}))
    return 0 if not report.failed else 1

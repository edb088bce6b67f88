"""The lifecycle's commands: ``schedule``, ``withdraw``, ``accept``, ``decline``, ``invite``,
``move``, ``requests`` and ``due``, each with ``--json``."""

from __future__ import annotations

import argparse
import datetime
import json
from collections.abc import Callable
from typing import Any

from collabcore.adapters.documents import document, document_json
from collabcore.app.service import CollaborationService
from collabcore.domain.errors import InvalidInput
from collabcore.domain.model import Actor, Outcome, Party
from collabcore.domain.requests import LifecycleRequest
from collabcore.tools.display import move_text, plan_text, request_line

Handler = Callable[[argparse.Namespace, CollaborationService], int]


def add_commands(commands: Any, acting: Callable[[argparse.ArgumentParser], None]) -> dict[str, Handler]:
    """Add the lifecycle's subcommands to ``commands``; returns each one's handler."""
    schedule = commands.add_parser("schedule", help="end a collaboration on a date (default: month end)")
    acting(schedule)
    schedule.add_argument("collaboration", help="the collaboration's id")
    schedule.add_argument("--outcome", required=True, choices=[o.value for o in Outcome])
    schedule.add_argument("--on", default=None, metavar="YYYY-MM-DD", help="the day it takes effect")
    schedule.add_argument("--acknowledge", nargs="*", default=[], metavar="CODE")
    schedule.add_argument("--confirm-deletion", action="store_true")
    schedule.add_argument(
        "--facts",
        default=None,
        help="what the integrations would say, as JSON (as for plan); without it, facts are unknown",
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
    move = commands.add_parser("move", help="move products to another office in one step")
    acting(move)
    move.add_argument("--from-office", required=True)
    move.add_argument("--to-office", required=True)
    move.add_argument("--product", nargs="*", default=None, help="default: every product")
    move.add_argument("--acknowledge", nargs="*", default=[], metavar="CODE")
    move.add_argument("--plan", action="store_true", help="show the plan only, change nothing")
    move.add_argument(
        "--facts",
        default=None,
        help="what the integrations would say, as JSON (as for plan); without it, facts are unknown",
    )
    requests = commands.add_parser("requests", help="your office's or company's open requests")
    acting(requests)
    requests.add_argument("--all", action="store_true", help="settled ones too")
    due = commands.add_parser("due", help="carry out what is due (run it from a scheduler)")
    due.add_argument("--db", required=True, help="the SQLite file")
    due.add_argument("--limit", type=int, default=100)
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


def _day(text: str | None) -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--on must be a day such as 2026-12-31, got {text!r}.") from None


def _show_request(args: argparse.Namespace, service: CollaborationService, request: LifecycleRequest) -> int:
    shown = document_json(request) if args.json else None
    print(shown or request_line(request, service.localizer))
    return 0


def _schedule(args: argparse.Namespace, service: CollaborationService) -> int:
    scheduled = service.schedule_end(
        args.collaboration,
        actor=actor_of(args),
        outcome=args.outcome,
        effective=_day(args.on),
        acknowledge=set(args.acknowledge),
        confirm_deletion=args.confirm_deletion,
    )
    if args.json:
        print(document_json(scheduled))
        return 0
    print(request_line(scheduled.request, service.localizer))
    print(plan_text(scheduled.preview, service.localizer))
    return 0


def _answer(args: argparse.Namespace, service: CollaborationService) -> int:
    answer = getattr(service, args.command)
    return _show_request(args, service, answer(args.request, actor=actor_of(args)))


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
    customer = args.customer or ""
    plan = service.plan_move(customer, **options)
    if args.plan or not plan.allowed:
        print(document_json(plan) if args.json else move_text(plan, service.localizer))
        return 0 if plan.allowed else 1
    moved = service.move(customer, **options)
    if args.json:
        print(document_json(moved))
    else:
        for ended, started in zip(moved.ended, moved.started, strict=True):
            print(f"{ended.collaboration.id} -> {started.id} ({started.office_id})")
    return 0


def _requests(args: argparse.Namespace, service: CollaborationService) -> int:
    found = service.requests(actor=actor_of(args), open_only=not args.all)
    if args.json:
        print(json.dumps([document(r) for r in found], ensure_ascii=False))
    else:
        for r in found:
            print(request_line(r, service.localizer))
    return 0


def _due(args: argparse.Namespace, service: CollaborationService) -> int:
    report = service.carry_out_due(limit=args.limit)
    if args.json:
        print(document_json(report))
    else:
        names = ("carried_out", "blocked", "expired", "revoked", "skipped", "failed")
        print(", ".join(f"{n}: {getattr(report, n)}" for n in names))
    return 0 if not report.failed else 1

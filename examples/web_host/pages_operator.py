"""The operator's pages: the relay (what is pending, what failed and why, retry or resolve
by hand) and the sandbox's facts (what the example's integrations answer for a customer).

The relay view is the host's own tooling, so it acts without an actor (``relay.retry`` and
``relay.resolve`` trust their caller); only the signed-in operator reaches it. The facts
page stands in for the systems a real host integrates (payroll, expenses, the bank): it is
shown to the operator, and to an office or company user for a customer collabcore lets
them see, so that whoever meets a blocker can change the fact behind it and try again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import Response

import collabcore as cc
from collabcore.domain.effects import EffectKind
from collabcore.domain.outbox import EffectStatus, OutboxItem

from .html import (
    NAV,
    Screen,
    button,
    esc,
    form,
    hidden,
    link,
    redirect,
    render,
    section,
    select_field,
    status_message,
    table,
    text_field,
)
from .sandbox import CarriedOut, Sandbox, SandboxFact
from .session import Form, serve, submit

DONE = ("retried", "resolved")
"""What a POST did, said on the page it redirects to (``?done=``)."""

NAV.setdefault("operator", []).append(("/ui/sandbox", "page.nav.sandbox"))


def install_operator_pages(app: FastAPI, service: cc.CollaborationService, sandbox: Sandbox | None) -> None:
    """Add /ui/relay (the operator's view of the relay) and /ui/sandbox/... (the facts page)."""

    @app.get("/ui/relay", include_in_schema=False)
    async def relay_page(request: Request, done: str | None = None) -> Response:
        return await serve(request, lambda screen: relay_view(screen, sandbox, done))

    @app.post("/ui/relay/retry", include_in_schema=False)
    async def retry(request: Request) -> Response:
        def handle(screen: Screen, posted: Form) -> Response:
            operator_only(screen)
            screen.service.relay().retry(posted.get("key"))
            return redirect("/ui/relay?done=retried")

        return await submit(request, handle)

    @app.post("/ui/relay/resolve", include_in_schema=False)
    async def resolve(request: Request) -> Response:
        def handle(screen: Screen, posted: Form) -> Response:
            operator_only(screen)
            key, reason = posted.get("key"), posted.get("reason").strip()
            if not reason:
                # The relay refuses it too; said here, the error can point at the very field.
                message = screen.text("page.relay.reason_missing")
                return relay_view(
                    screen, sandbox, None, errors=((reason_id(screen, key), message),), status=400
                )
            screen.service.relay().resolve(key, reason=reason)
            return redirect("/ui/relay?done=resolved")

        return await submit(request, handle)

    @app.get("/ui/sandbox", include_in_schema=False)
    async def sandbox_start(request: Request, customer: str | None = None) -> Response:
        def build(screen: Screen) -> Response:
            if customer:
                return redirect(f"/ui/sandbox/{quote(customer, safe='')}")
            return sandbox_choice(screen)

        return await serve(request, build)

    @app.get("/ui/sandbox/{customer_id}", include_in_schema=False)
    async def facts_page(request: Request, customer_id: str, done: str | None = None) -> Response:
        return await serve(request, lambda screen: facts_view(screen, sandbox, customer_id, done))

    @app.post("/ui/sandbox/{customer_id}", include_in_schema=False)
    async def facts_post(request: Request, customer_id: str) -> Response:
        return await submit(request, lambda screen, posted: facts_save(screen, sandbox, customer_id, posted))


# --- the relay ------------------------------------------------------------------------------


def operator_only(screen: Screen) -> None:
    if screen.party != "operator":
        raise cc.NotAuthorized("Only the operator sees and operates the relay.")


def relay_view(
    screen: Screen,
    sandbox: Sandbox | None,
    done: str | None,
    *,
    errors: Sequence[tuple[str | None, str]] = (),
    status: int = 200,
) -> Response:
    operator_only(screen)
    relay = screen.service.relay()
    failed, pending = relay.failed(), relay.pending()
    now = screen.service.clock()
    names = Names(screen.service)
    said = status_message(screen.text(f"page.relay.done.{done}")) if done in DONE else ""
    summary = screen.text("page.relay.summary", count=len(pending), failed=len(failed))
    body = said + f'<p class="summary">{esc(summary)}</p>'

    failed_rows = [
        [
            esc(names.customer(item.effect.customer_id)),
            esc(names.effect(screen, item)),
            esc(item.attempts),
            f'<span class="integration-error">{esc(item.last_error or "")}</span>',
            failed_actions(screen, item, names.effect(screen, item), errors),
        ]
        for item in failed
    ]
    body += section(
        "failed",
        screen.text("page.relay.failed"),
        table(
            screen.text("page.relay.failed.caption"),
            [
                screen.text("page.relay.customer"),
                screen.text("page.relay.effect"),
                screen.text("page.relay.attempts"),
                screen.text("page.relay.error"),
                screen.text("page.relay.actions"),
            ],
            failed_rows,
            cls="relay failed",
        )
        if failed
        else f"<p>{esc(screen.text('page.relay.none_failed'))}</p>",
    )

    pending_rows = [
        [
            esc(names.customer(item.effect.customer_id)),
            esc(names.effect(screen, item)),
            esc(item.attempts),
            esc(when_next(screen, item, now)),
            esc(item.last_error or ""),
        ]
        for item in pending
    ]
    body += section(
        "pending",
        screen.text("page.relay.pending"),
        table(
            screen.text("page.relay.pending.caption"),
            [
                screen.text("page.relay.customer"),
                screen.text("page.relay.effect"),
                screen.text("page.relay.attempts"),
                screen.text("page.relay.next_attempt"),
                screen.text("page.relay.error"),
            ],
            pending_rows,
            cls="relay pending",
        )
        if pending
        else f"<p>{esc(screen.text('page.relay.none_pending'))}</p>",
    )

    resolved = resolved_items(screen.service)
    if resolved:
        body += section(
            "resolved",
            screen.text("page.relay.resolved"),
            table(
                screen.text("page.relay.resolved.caption"),
                [
                    screen.text("page.relay.customer"),
                    screen.text("page.relay.effect"),
                    screen.text("page.relay.when"),
                    screen.text("page.relay.reason_given"),
                ],
                [
                    [
                        esc(names.customer(item.effect.customer_id)),
                        esc(names.effect(screen, item)),
                        esc(moment(item.updated_at)),
                        esc(item.resolution or ""),
                    ]
                    for item in resolved
                ],
                cls="relay resolved",
            ),
        )

    if sandbox is not None:
        records = sandbox.records(limit=20)
        rows = [
            [
                esc(moment(record.at)),
                esc(names.customer(record.customer_id)),
                esc(names.record(screen, record)),
            ]
            for record in records
        ]
        body += section(
            "carried-out",
            screen.text("page.relay.carried_out"),
            table(
                screen.text("page.relay.carried_out.caption"),
                [
                    screen.text("page.relay.when"),
                    screen.text("page.relay.customer"),
                    screen.text("page.relay.what"),
                ],
                rows,
                cls="relay done",
            )
            if rows
            else f"<p>{esc(screen.text('page.relay.none_carried_out'))}</p>",
        )
    return render(screen, screen.text("page.relay.title"), body, status, errors=errors)


def failed_actions(
    screen: Screen, item: OutboxItem, what: str, errors: Sequence[tuple[str | None, str]]
) -> str:
    """Retry, or resolve by hand with a reason (the relay keeps it); ``what`` is the effect in
    words, which names both controls for a screen reader."""
    retry = form(
        screen,
        "/ui/relay/retry",
        hidden("key", item.key)
        + button(screen.text("page.relay.retry"), aria_label=screen.text("page.relay.retry_item", what=what)),
        cls="inline",
    )
    field = reason_id(screen, item.key)
    error = next((message for target, message in errors if target == field), None)
    resolve = form(
        screen,
        "/ui/relay/resolve",
        hidden("key", item.key)
        + text_field(field, "reason", screen.text("page.relay.reason", what=what), error=error)
        + button(screen.text("page.relay.resolve"), kind="secondary"),
        cls="resolve",
    )
    return retry + resolve


def resolved_items(service: cc.CollaborationService, limit: int = 20) -> list[OutboxItem]:
    """The latest effects a person marked as done by hand, with the reason they gave."""
    with service.store.transaction(write=False) as uow:
        items = list(uow.outbox(statuses=[EffectStatus.RESOLVED]))
    return sorted(items, key=lambda item: item.updated_at, reverse=True)[:limit]


def reason_id(screen: Screen, key: str) -> str:
    # An effect's key holds colons; an id made of its characters stays unique and safe.
    return "reason-" + "".join(c if c.isalnum() else f"_{ord(c):x}_" for c in key)


def moment(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def when_next(screen: Screen, item: OutboxItem, now: datetime) -> str:
    """When the relay tries the effect next: a time to come, or "now" for one that is due (it
    may wait for an earlier step of its collaboration, or for the worker's next run)."""
    if item.next_attempt_at <= now:
        return screen.text("page.relay.due_now")
    return moment(item.next_attempt_at)


class Names:
    """Customers' and offices' names for one page, each read once (the operator's view
    lists many effects of few customers)."""

    def __init__(self, service: cc.CollaborationService) -> None:
        self.service = service
        self._customers: dict[str, cc.Customer | None] = {}
        self._offices: dict[str, cc.AccountingOffice | None] = {}

    def _customer(self, customer_id: str) -> cc.Customer | None:
        if customer_id not in self._customers:
            with self.service.store.transaction(write=False) as uow:
                self._customers[customer_id] = uow.get_customer(customer_id)
        return self._customers[customer_id]

    def _office(self, office_id: str) -> cc.AccountingOffice | None:
        if office_id not in self._offices:
            with self.service.store.transaction(write=False) as uow:
                self._offices[office_id] = uow.get_office(office_id)
        return self._offices[office_id]

    def customer(self, customer_id: str | None) -> str:
        if customer_id is None:
            return ""
        found = self._customer(customer_id)
        return customer_id if found is None else f"{found.name} ({found.number})"

    def effect(self, screen: Screen, item: OutboxItem) -> str:
        """The effect in the words a plan gave it."""
        effect = item.effect
        return self.effect_words(screen, effect.kind, effect.customer_id, effect.office_id, effect.product)

    def effect_words(
        self, screen: Screen, kind: EffectKind, customer_id: str, office_id: str | None, product: str
    ) -> str:
        customer = self._customer(customer_id)
        office = None if office_id is None else self._office(office_id)
        words: Mapping[str, str] = {
            "product": screen.product(product),
            "customer": customer_id if customer is None else customer.name,
            "customer_number": "" if customer is None else customer.number,
            "office": (office_id or "") if office is None else office.name,
            "action": screen.text("action.end"),
        }
        return screen.loc.text(f"effect.{kind.value}", **words)

    def record(self, screen: Screen, record: CarriedOut) -> str:
        """What an integration did, in words: the effect as a plan says it, or the notice
        sent and to whom (its subject in the recipient's own language, as it was sent)."""
        if record.party is not None and record.party_id is not None:
            if record.party == "office":
                office = self._office(record.party_id)
                to = record.party_id if office is None else office.name
            else:
                to = self.customer(record.party_id)
            return screen.text("page.relay.notice", party=to, subject=record.detail)
        try:
            kind = EffectKind(record.key.rsplit(":", 1)[-1])
        except ValueError:
            kind = None
        if kind is None or record.customer_id is None or record.product is None:
            return record.text
        return self.effect_words(screen, kind, record.customer_id, self._office_of(record), record.product)

    def _office_of(self, record: CarriedOut) -> str | None:
        # The effect's key starts with its collaboration's id; the office is the collaboration's.
        collaboration_id = record.key.split(":", 1)[0]
        with self.service.store.transaction(write=False) as uow:
            collaboration = uow.get_collaboration(collaboration_id)
        return None if collaboration is None else collaboration.office_id


# --- the sandbox's facts --------------------------------------------------------------------


def sandbox_choice(screen: Screen) -> Response:
    """Which customer's facts: a customer's id, as the overview and the relay show them."""
    body = f"<p>{esc(screen.text('page.sandbox.intro'))}</p>" + form(
        screen,
        "/ui/sandbox",
        text_field("customer", "customer", screen.text("page.sandbox.customer"), required=True)
        + button(screen.text("page.sandbox.open")),
        method="get",
    )
    return render(screen, screen.text("page.sandbox.title"), body)


def visible_customer(screen: Screen, customer_id: str) -> cc.Customer:
    """The customer, if the signed-in party may see it: collabcore decides (a customer of
    another office is answered exactly as one that does not exist)."""
    if screen.actor is not None:
        screen.service.events_of_customer(customer_id, actor=screen.actor)
    with screen.service.store.transaction(write=False) as uow:
        customer = uow.get_customer(customer_id)
    if customer is None:
        raise cc.NotFound(f"No customer {customer_id!r}.")
    return customer


def fact_label(screen: Screen, fact: SandboxFact) -> str:
    key = f"page.sandbox.fact.{fact.key}"
    label = screen.text(key) if screen.loc.has(key) else (fact.description or fact.key)
    return label if fact.product == "sandbox" else f"{screen.product(fact.product)}: {label}"


def fact_field(screen: Screen, fact: SandboxFact, value: str | None, error: str | None) -> str:
    field = "fact-" + fact.key.replace(".", "-")
    label = fact_label(screen, fact)
    if fact.kind == "bool":
        chosen = value if value is not None else ("true" if fact.value else "false")
        options = [("true", screen.text("page.sandbox.yes")), ("false", screen.text("page.sandbox.no"))]
        return select_field(field, fact.key, label, options, chosen, error=error)
    if fact.kind == "int":
        shown = value if value is not None else str(fact.value)
        return text_field(field, fact.key, label, shown, kind="number", error=error)
    names = value if value is not None else ", ".join(str(name) for name in fact.value)  # type: ignore[attr-defined]
    # A fact may say what its names are (user ids, say); the rest take names.
    hint_key = f"page.sandbox.hint.{fact.key}"
    hint = screen.text(hint_key if screen.loc.has(hint_key) else "page.sandbox.names_hint")
    return text_field(field, fact.key, label, names, hint=hint, error=error)


def facts_view(
    screen: Screen,
    sandbox: Sandbox | None,
    customer_id: str,
    done: str | None,
    *,
    posted: Form | None = None,
    errors: Sequence[tuple[str, str, str]] = (),
) -> Response:
    """The facts form; ``errors`` are (fact key, field id, message) of a refused save."""
    customer = visible_customer(screen, customer_id)
    if sandbox is None:
        body = f"<p>{esc(screen.text('page.sandbox.none'))}</p>"
        return render(screen, screen.text("page.sandbox.title"), body, 404)
    said = status_message(screen.text("page.sandbox.saved")) if done == "saved" else ""
    by_key = {key: message for key, _, message in errors}
    fields = "".join(
        fact_field(screen, fact, None if posted is None else posted.get(fact.key), by_key.get(fact.key))
        for fact in sandbox.facts_of(customer.id)
    )
    action = f"/ui/sandbox/{quote(customer.id, safe='')}"
    body = (
        said
        + f"<p>{esc(screen.text('page.sandbox.intro'))}</p>"
        + form(
            screen,
            action,
            fields + button(screen.text("page.sandbox.save")),
            label=screen.text("page.sandbox.form"),
        )
    )
    carried = sandbox.records(customer.id, limit=50)
    names = Names(screen.service)
    body += section(
        "carried-out",
        screen.text("page.relay.carried_out"),
        "<ul>"
        + "".join(f"<li>{esc(moment(r.at))}: {esc(names.record(screen, r))}</li>" for r in carried)
        + "</ul>"
        if carried
        else f"<p>{esc(screen.text('page.relay.none_carried_out'))}</p>",
    )
    if screen.party == "office":
        body += (
            f"<p>{link('/ui/customers/' + quote(customer.id, safe=''), screen.text('page.sandbox.back'))}</p>"
        )
    title = screen.text("page.sandbox.title_of", customer=customer.name, customer_number=customer.number)
    status = 400 if errors else 200
    return render(screen, title, body, status, errors=[(field, message) for _, field, message in errors])


def facts_save(screen: Screen, sandbox: Sandbox | None, customer_id: str, posted: Form) -> Response:
    customer = visible_customer(screen, customer_id)
    if sandbox is None:
        return facts_view(screen, sandbox, customer_id, None)
    facts = sandbox.facts_of(customer.id)
    wanted = {fact.key: posted.get(fact.key) for fact in facts if posted.getlist(fact.key)}
    errors = []
    # Every value is checked before any is stored: a refused form changes nothing.
    for fact in facts:
        if fact.key not in wanted:
            continue
        try:
            sandbox.check(fact.key, wanted[fact.key])
        except cc.InvalidInput:
            message = screen.text(f"page.sandbox.invalid.{fact.kind}", fact=fact_label(screen, fact))
            errors.append((fact.key, "fact-" + fact.key.replace(".", "-"), message))
    if errors:
        return facts_view(screen, sandbox, customer_id, None, posted=posted, errors=errors)
    sandbox.set_facts(customer.id, wanted)
    return redirect(f"/ui/sandbox/{quote(customer.id, safe='')}?done=saved")

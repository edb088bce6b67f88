"""The reference host's HTML: one layout, escaping, and the few form helpers every page uses.

Every word a page shows comes from collabcore's catalogs through the screen's localizer
(``screen.text("page.…")``, the brand's terms, the plans' own rendered words); names and
ids are data and are escaped like everything else. The helpers take plain text where a
parameter is called ``label``, ``text`` or ``hint`` (they escape it) and HTML where it is
called ``body`` or ``html`` (the caller built it from these helpers).

The pages work without JavaScript, load nothing from outside the host, and follow the
usual accessible patterns: one ``<h1>``, landmarks, a label for every control, and an
error summary at the top that takes the focus and links to each field it names.
"""

from __future__ import annotations

import html as _html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

import collabcore as cc
from collabcore.domain.findings import Finding
from collabcore.wording.texts import Localizer

SECURITY_HEADERS: Mapping[str, str] = {
    # Nothing runs but the host's own styles: no script at all, no frame, forms post home only.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Every page carries a form token of its session: never cached, never shared.
    "Cache-Control": "no-store",
}

NAV: dict[str, list[tuple[str, str]]] = {
    "office": [
        ("/ui/collaborations", "page.nav.collaborations"),
        ("/ui/invitations", "page.nav.invitations"),
    ],
    "customer": [("/ui/company", "page.nav.company")],
    "operator": [("/ui/relay", "page.nav.relay")],
}
"""What each party's header links to: (path, text key). Other modules of the host may add
their own pages here (the operator's facts page, say)."""


def esc(value: object) -> str:
    """``value`` as text that is safe in HTML content and in a quoted attribute."""
    return _html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Screen:
    """One request's page: who looks, in which brand and language, and the form token.

    ``service`` speaks the request's brand and language, so that everything it renders
    (findings, plans, problems) is in the words of the page. ``actor`` is None for the
    operator and for nobody signed in (``who`` is then "")."""

    request: Request
    service: cc.CollaborationService
    who: str
    actor: cc.Actor | None
    csrf: str
    signed_in: str = ""
    """Who is signed in, in words (a name and its office or company)."""

    @property
    def loc(self) -> Localizer:
        return self.service.localizer

    @property
    def language(self) -> str:
        return self.service.localizer.language

    @property
    def brand(self) -> str:
        return self.service.localizer.brand.key

    @property
    def party(self) -> str:
        """ "office", "customer", "operator", or "" when nobody is signed in."""
        if self.actor is not None:
            return self.actor.party.value
        return "operator" if self.who == "operator" else ""

    def text(self, key: str, /, **params: Any) -> str:
        """The catalog's sentence ``key`` in this page's words (plain text: escape it)."""
        return self.loc.text(key, **params)

    def term(self, name: str) -> str:
        """The brand's word ``name`` (``menu``, ``users_page``, ``administrator``...)."""
        return self.loc.term(name)

    def product(self, key: str) -> str:
        """The product's name in this brand, or its key when the brand has none."""
        return self.loc.product(key) if self.loc.has_product(key) else key

    def here(self) -> str:
        """This page's path and query: where a form or a switch comes back to."""
        url = self.request.url
        return url.path + (f"?{url.query}" if url.query else "")


# --- the layout ---------------------------------------------------------------------------


def render(
    screen: Screen,
    title: str,
    body: str,
    status: int = 200,
    focus_error: bool = False,
    *,
    errors: Sequence[tuple[str | None, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The whole page: header (who, sign-out, brand and language), ``<main>`` with ``title``
    as its one ``<h1>``, then ``body``. ``errors`` (target id or None, message) become the
    error summary above the body, which takes the focus; ``focus_error`` without errors
    puts the focus on the heading (an error page)."""
    summary = error_summary(screen, errors) if errors else ""
    heading_focus = ' tabindex="-1" autofocus' if focus_error and not errors else ""
    prefix = screen.text("page.errors.prefix") + " " if errors else ""
    page = (
        "<!doctype html>\n"
        f'<html lang="{esc(screen.language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(prefix + title)} – {esc(screen.term('brand'))}</title>\n"
        '<link rel="stylesheet" href="/static/site.css">\n'
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">\n</head>\n<body>\n'
        f'<a class="skip" href="#main">{esc(screen.text("page.skip"))}</a>\n'
        f"{_header(screen)}\n"
        f'<main id="main">\n<h1 id="page-title"{heading_focus}>{esc(title)}</h1>\n{summary}{body}\n</main>\n'
        "</body>\n</html>\n"
    )
    all_headers = {**SECURITY_HEADERS, "Content-Language": screen.language, **(headers or {})}
    return HTMLResponse(page, status, headers=all_headers)


def _header(screen: Screen) -> str:
    parts = [f'<header class="top">\n<p class="brand">{esc(screen.term("brand"))}</p>']
    links = NAV.get(screen.party, [])
    if links:
        here = screen.request.url.path
        current = ' aria-current="page"'
        items = "".join(
            f'<li><a href="{esc(path)}"{current if here == path else ""}>{esc(screen.text(key))}</a></li>'
            for path, key in links
        )
        parts.append(f'<nav aria-label="{esc(screen.text("page.nav.label"))}"><ul>{items}</ul></nav>')
    if screen.who:
        signed = esc(screen.text("page.signed_in", user=screen.signed_in or screen.who))
        sign_out = form(
            screen, "/ui/sign-out", button(screen.text("page.sign_out"), kind="secondary"), cls="inline"
        )
        parts.append(f'<div class="account"><p>{signed}</p>{sign_out}</div>')
    parts.append(_words_switch(screen))
    parts.append("</header>")
    return "\n".join(parts)


def _words_switch(screen: Screen) -> str:
    """The brand and language, changed by a small GET form (no JavaScript)."""
    texts = screen.service.texts
    brands = [(key, brand_name(screen, key)) for key in texts.brands]
    languages = [(code, language_name(screen.loc, code)) for code in texts.brand(screen.brand).languages]
    body = (
        select_field("words-brand", "brand", screen.text("page.words.brand"), brands, screen.brand)
        + select_field("words-lang", "lang", screen.text("page.words.language"), languages, screen.language)
        + hidden("next", screen.here())
        + button(screen.text("page.words.apply"), kind="secondary")
    )
    label = esc(screen.text("page.words.label"))
    return f'<form class="words" method="get" action="/ui/words" aria-label="{label}">{body}</form>'


def brand_name(screen: Screen, key: str) -> str:
    """A brand as it calls itself in the page's language (or in its first language)."""
    brand = screen.service.texts.brand(key)
    terms = brand.terms.get(screen.language) or next(iter(brand.terms.values()), {})
    return str(terms.get("brand", key))


def language_name(loc: Localizer, code: str) -> str:
    """A language by its name (in the catalogs as ``page.language.<code>``), or its code."""
    key = f"page.language.{code}"
    return loc.text(key) if loc.has(key) else code


# --- errors -----------------------------------------------------------------------------


def error_summary(screen: Screen, errors: Sequence[tuple[str | None, str]]) -> str:
    """The summary at the top of a refused form: it takes the focus when the page loads, is
    announced, and links each error to the field or finding it is about."""
    items = "".join(
        f'<li><a href="#{esc(target)}">{esc(message)}</a></li>' if target else f"<li>{esc(message)}</li>"
        for target, message in errors
    )
    title = esc(screen.text("page.errors.title"))
    return (
        '<div class="error-summary" role="alert" tabindex="-1" autofocus '
        'aria-labelledby="error-summary-title">'
        f'<h2 id="error-summary-title">{title}</h2><ul>{items}</ul></div>\n'
    )


def findings_list(
    screen: Screen,
    findings: Sequence[Finding],
    *,
    id_prefix: str = "finding",
    first: int = 0,
    extra: Mapping[int, str] | None = None,
) -> str:
    """Findings, each with its message and its numbered remedy steps, with the ids
    ``<id_prefix>-<first + n>``; ``extra`` adds HTML after the n-th finding (a link to where
    its remedy is carried out)."""
    parts = []
    for n, finding in enumerate(findings):
        steps = ""
        if finding.remedy:
            steps = (
                f'<p class="remedy-title">{esc(screen.text("page.plan.how_to_fix"))}</p>'
                f"{items('ol', finding.remedy, cls='remedy')}"
            )
        more = (extra or {}).get(n, "")
        parts.append(
            f'<div class="finding {esc(finding.severity.value)}" id="{esc(id_prefix)}-{first + n}">'
            f'<p class="message"><span class="code">{esc(finding.code)}</span> {esc(finding.message)}</p>'
            f"{steps}{more}</div>"
        )
    return "\n".join(parts)


def problem_page(screen: Screen, status: int, problem: Mapping[str, Any]) -> HTMLResponse:
    """An RFC 9457 problem (``Problem.to_dict()``) as a page: its title, detail, and each
    finding with its remedy steps, in the words it was made in."""
    findings = problem.get("findings") or []
    rendered = "".join(
        f'<div class="finding {esc(f.get("severity", ""))}"><p class="message">'
        f'<span class="code">{esc(f.get("code", ""))}</span> {esc(f.get("message", ""))}</p>'
        + (
            f'<p class="remedy-title">{esc(screen.text("page.plan.how_to_fix"))}</p>'
            + items("ol", f.get("remedy") or [], cls="remedy")
            if f.get("remedy")
            else ""
        )
        + "</div>"
        for f in findings
    )
    home = "/ui/sign-in" if not screen.who else "/ui"
    body = (
        f'<p class="detail">{esc(problem.get("detail", ""))}</p>{rendered}'
        f'<p><a href="{home}">{esc(screen.text("page.back_home"))}</a></p>'
    )
    return render(screen, str(problem.get("title", "")), body, status, focus_error=True)


def error_page(screen: Screen, error: cc.CollabCoreError) -> HTMLResponse:
    """A collabcore error as a page, in the screen's words, with the status it means."""
    answer = screen.service.problem(error, instance=screen.request.url.path)
    return problem_page(screen, answer.status, answer.to_dict())


# --- forms and other pieces ----------------------------------------------------------------


def redirect(url: str) -> RedirectResponse:
    """After a POST: the browser GETs ``url`` (303), so reloading never posts again."""
    return RedirectResponse(url, 303, headers={"Cache-Control": "no-store"})


def form(
    screen: Screen, action: str, body: str, *, method: str = "post", cls: str = "", label: str = ""
) -> str:
    """A form; a POST carries the session's form token (refused without it)."""
    token = hidden("csrf", screen.csrf) if method == "post" else ""
    named = f' aria-label="{esc(label)}"' if label else ""
    css = f' class="{esc(cls)}"' if cls else ""
    return f'<form method="{method}" action="{esc(action)}"{css}{named}>{token}{body}</form>'


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">'


def _described(id_: str, hint: str | None, error: str | None) -> tuple[str, str]:
    """The hint and error paragraphs of a control, and its aria-describedby attribute."""
    ids, html_ = [], ""
    if hint:
        ids.append(f"{id_}-hint")
        html_ += f'<p class="hint" id="{esc(id_)}-hint">{esc(hint)}</p>'
    if error:
        ids.append(f"{id_}-error")
        html_ += f'<p class="field-error" id="{esc(id_)}-error">{esc(error)}</p>'
    attr = f' aria-describedby="{esc(" ".join(ids))}"' if ids else ""
    return html_, attr + (' aria-invalid="true"' if error else "")


def _field_class(error: str | None) -> str:
    return "field has-error" if error else "field"


def para(text: str, *, cls: str = "") -> str:
    """A paragraph of plain text."""
    css = f' class="{esc(cls)}"' if cls else ""
    return f"<p{css}>{esc(text)}</p>"


def text_field(
    id_: str,
    name: str,
    label: str,
    value: str = "",
    *,
    kind: str = "text",
    hint: str | None = None,
    error: str | None = None,
    required: bool = False,
    autocomplete: str = "off",
) -> str:
    """A labelled input (``kind``: text, date...)."""
    described, attrs = _described(id_, hint, error)
    need = " required" if required else ""
    return (
        f'<div class="{_field_class(error)}"><label for="{esc(id_)}">{esc(label)}</label>{described}'
        f'<input id="{esc(id_)}" name="{esc(name)}" type="{esc(kind)}" value="{esc(value)}" '
        f'autocomplete="{esc(autocomplete)}"{need}{attrs}></div>'
    )


def select_field(
    id_: str,
    name: str,
    label: str,
    options: Sequence[tuple[str, str]],
    selected: str | None = None,
    *,
    hint: str | None = None,
    error: str | None = None,
) -> str:
    """A labelled select of (value, text) options."""
    described, attrs = _described(id_, hint, error)
    choices = "".join(
        f'<option value="{esc(value)}"{" selected" if value == selected else ""}>{esc(text)}</option>'
        for value, text in options
    )
    return (
        f'<div class="{_field_class(error)}"><label for="{esc(id_)}">{esc(label)}</label>{described}'
        f'<select id="{esc(id_)}" name="{esc(name)}"{attrs}>{choices}</select></div>'
    )


def radio_group(
    id_: str,
    name: str,
    legend: str,
    options: Sequence[tuple[str, str, str | None]],
    checked: str | None = None,
    *,
    error: str | None = None,
) -> str:
    """A fieldset of radios, each (value, label, hint or None); the first radio's id is
    ``id_`` so that an error can link to the group."""
    described, attrs = _described(id_, None, error)
    radios = []
    for n, (value, label, hint) in enumerate(options):
        rid = id_ if n == 0 else f"{id_}-{n}"
        hint_html, hint_attr = _described(rid, hint, None)
        radios.append(
            f'<div class="choice"><input type="radio" id="{esc(rid)}" name="{esc(name)}" value="{esc(value)}"'
            f"{' checked' if value == checked else ''}{hint_attr}>"
            f'<label for="{esc(rid)}">{esc(label)}</label>{hint_html}</div>'
        )
    return (
        f'<fieldset class="field{" has-error" if error else ""}"{attrs}><legend>{esc(legend)}</legend>'
        f"{described}{''.join(radios)}</fieldset>"
    )


def checkbox(
    id_: str,
    name: str,
    value: str,
    label: str,
    *,
    checked: bool = False,
    hint: str | None = None,
    error: str | None = None,
) -> str:
    described, attrs = _described(id_, hint, error)
    return (
        f'<div class="choice{" has-error" if error else ""}"><input type="checkbox" id="{esc(id_)}" '
        f'name="{esc(name)}" value="{esc(value)}"{" checked" if checked else ""}{attrs}>'
        f'<label for="{esc(id_)}">{esc(label)}</label>{described}</div>'
    )


def fieldset(legend: str, body: str, *, cls: str = "") -> str:
    css = f' class="{esc(cls)}"' if cls else ""
    return f"<fieldset{css}><legend>{esc(legend)}</legend>{body}</fieldset>"


def button(
    label: str,
    *,
    name: str | None = None,
    value: str | None = None,
    kind: str = "primary",
    aria_label: str | None = None,
    described_by: str | None = None,
) -> str:
    attrs = f' name="{esc(name)}" value="{esc(value or "")}"' if name else ""
    if aria_label:
        attrs += f' aria-label="{esc(aria_label)}"'
    if described_by:
        attrs += f' aria-describedby="{esc(described_by)}"'
    return f'<button type="submit" class="button {esc(kind)}"{attrs}>{esc(label)}</button>'


def link(href: str, text: str, *, aria_label: str | None = None, cls: str = "") -> str:
    named = f' aria-label="{esc(aria_label)}"' if aria_label else ""
    css = f' class="{esc(cls)}"' if cls else ""
    return f'<a href="{esc(href)}"{css}{named}>{esc(text)}</a>'


def items(tag: str, texts: Sequence[str], *, cls: str = "") -> str:
    """Plain lines as an ``ol`` or ``ul``."""
    css = f' class="{esc(cls)}"' if cls else ""
    return f"<{tag}{css}>" + "".join(f"<li>{esc(t)}</li>" for t in texts) + f"</{tag}>"


def table(caption: str, headings: Sequence[str], rows: Sequence[Sequence[str]], *, cls: str = "") -> str:
    """A table of HTML cells; the first cell of each row heads it (``<th scope="row">``)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headings)
    body = "".join(
        "<tr>"
        + "".join(f'<th scope="row">{c}</th>' if n == 0 else f"<td>{c}</td>" for n, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    css = f' class="{esc(cls)}"' if cls else ""
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table{css}>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def status_message(text: str) -> str:
    """What a POST did, announced politely on the page it redirected to."""
    return f'<p class="done" role="status">{esc(text)}</p>'


def section(id_: str, heading: str, body: str, *, level: int = 2) -> str:
    """A titled part of a page: a ``<section>`` named by its heading."""
    return (
        f'<section aria-labelledby="{esc(id_)}"><h{level} id="{esc(id_)}">{esc(heading)}</h{level}>'
        f"{body}</section>"
    )

"""Who is asking and in which language: the two things the API's headers and the pages'
cookies both say, read one way.

``who`` is the authentication stub's identity (``office:<office id>:<user id>``,
``customer:<customer id>:<user id>`` or ``operator``): a real host puts its login here.
"""

from __future__ import annotations

import threading

import collabcore as cc


class Speakers:
    """One twin of the service per brand and language (``service.speaking``), made on first
    use and kept: a twin is built once, a request only picks it."""

    def __init__(self, base: cc.CollaborationService) -> None:
        self.base = base
        self._twins: dict[tuple[str, str], cc.CollaborationService] = {}
        self._lock = threading.Lock()

    def speaking(self, brand: str, language: str) -> cc.CollaborationService:
        with self._lock:
            twin = self._twins.get((brand, language))
            if twin is None:
                twin = self.base.speaking(brand, language)
                self._twins[(brand, language)] = twin
        return twin


class UnknownWho(Exception):
    """``who`` names nobody collabcore could act as."""


def actor_named(who: str) -> cc.Actor | None:
    """The actor ``who`` names; None for the operator. Raises UnknownWho for anything else."""
    if who == "operator":
        return None
    party, _, rest = who.partition(":")
    party_id, _, user_id = rest.partition(":")
    if party not in ("office", "customer") or not party_id or not user_id:
        raise UnknownWho(who)
    make = cc.Actor.office if party == "office" else cc.Actor.customer
    try:
        return make(party_id, user_id)
    except cc.InvalidInput:
        raise UnknownWho(who) from None


def negotiate(header: str | None, available: tuple[str, ...], default: str) -> str:
    """The best of ``available`` for an Accept-Language header (RFC 9110 q-values, then order)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in available and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else default

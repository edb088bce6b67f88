"""STUB (being written): the operator's relay view and the sandbox's facts page."""

from __future__ import annotations

from fastapi import FastAPI

import collabcore as cc

from .sandbox import Sandbox


def install_operator_pages(app: FastAPI, service: cc.CollaborationService, sandbox: Sandbox | None) -> None:
    """Add /ui/relay (the operator's view of the relay) and /ui/sandbox/... (the facts page)."""

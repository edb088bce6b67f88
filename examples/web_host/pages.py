"""STUB (being written): the seed's page in HTML."""

from __future__ import annotations

from fastapi import FastAPI

import collabcore as cc

from .sandbox import Sandbox


def install_pages(app: FastAPI, service: cc.CollaborationService, sandbox: Sandbox | None) -> None:
    """Add the HTML pages (under /ui) and their static files (under /static) to ``app``."""

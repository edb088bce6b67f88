"""STUB (being written): the example host's parts, opened from a SQLite file or a PostgreSQL DSN."""

from __future__ import annotations

from attrs import frozen

import collabcore as cc

from .sandbox import Sandbox
from .worker import Worker


@frozen
class Host:
    service: cc.CollaborationService
    sandbox: Sandbox
    worker: Worker

    def close(self) -> None:
        raise NotImplementedError


def open_host(*, db: str | None = None, dsn: str | None = None, schema: str | None = None) -> Host:
    """The service over the store, with the sandbox's integrations and a worker (not started)."""
    raise NotImplementedError

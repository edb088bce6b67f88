"""STUB (being written): the relay and the due run, beside the web host."""

from __future__ import annotations

import collabcore as cc


class Worker:
    def __init__(self, service: cc.CollaborationService, *, every: float = 1.0) -> None:
        self.service = service
        self.every = every

    def start(self) -> None:
        raise NotImplementedError

    def stop(self, timeout: float = 5.0) -> None:
        raise NotImplementedError

"""The use cases (ending, bulk, lifecycle, customers, reading, relay) behind one service facade."""

from __future__ import annotations

from collabcore.app.bulk import BulkItem, BulkStatus, Progress
from collabcore.app.config import Configuration, Integrations
from collabcore.app.problems import KINDS, MEDIA_TYPE, Problem, ProblemKind, problem
from collabcore.app.relay import Relay, RelayReport, RetryPolicy
from collabcore.app.requests import EndCommand, EndRequest
from collabcore.app.service import CollaborationService

__all__ = [
    "KINDS",
    "MEDIA_TYPE",
    "BulkItem",
    "BulkStatus",
    "CollaborationService",
    "Configuration",
    "EndCommand",
    "EndRequest",
    "Integrations",
    "Problem",
    "ProblemKind",
    "Progress",
    "Relay",
    "RelayReport",
    "RetryPolicy",
    "problem",
]

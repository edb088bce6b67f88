"""A notifier for the simplest deployments: each notification to the ``collabcore.notify`` logger.

Hosts implement :class:`~collabcore.ports.NotifierPort` to send e-mail or in-app
messages; :class:`collabcore.testing.RecordingNotifier` keeps them for tests.
"""

from __future__ import annotations

import logging

from collabcore.domain.outbox import Notification

log = logging.getLogger("collabcore.notify")


class LoggingNotifier:
    """Writes each notification to the ``collabcore.notify`` logger."""

    def __init__(self, level: int = logging.INFO) -> None:
        self.level = level

    def notify(self, notification: Notification) -> None:
        log.log(
            self.level,
            "to %s %s (%s): %s | %s",
            notification.party.value,
            notification.party_id,
            notification.language,
            notification.subject,
            " ".join(notification.lines),
            extra={"collabcore_key": notification.key},
        )

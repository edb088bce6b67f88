"""Notifiers: where the messages of an ended collaboration go.

Hosts implement :class:`~collabcore.ports.NotifierPort` to send e-mail or
in-app messages; these two cover tests and the simplest deployments.
"""

from __future__ import annotations

import logging
import threading

from collabcore.ports import Notification

log = logging.getLogger("collabcore.notify")


class RecordingNotifier:
    """Keeps every notification, once per key (a repeated key is the same message)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[Notification] = []
        self._keys: set[str] = set()

    def notify(self, notification: Notification) -> None:
        with self._lock:
            if notification.key not in self._keys:
                self._keys.add(notification.key)
                self.sent.append(notification)


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

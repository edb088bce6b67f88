"""The reference web host served for real: set up with the demo story, uvicorn on a free port of
127.0.0.1 in a background thread, the worker beside it; stopped and closed on request.

In-process rather than a subprocess so that a test can read what the host did (its service, its
sandbox) and ask collabcore's own localizer for the words the pages must show.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import uvicorn

import collabcore as cc
from collabcore.wording.texts import Localizer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    # The example is a folder a reader copies, not an installed package.
    sys.path.insert(0, str(EXAMPLES))

from web_host.app import create_app  # noqa: E402
from web_host.host import Host, open_host  # noqa: E402
from web_host.sandbox import Sandbox  # noqa: E402
from web_host.story import set_up  # noqa: E402

STARTUP_SECONDS = 15.0
WORKER_EVERY = 0.2
"""The worker runs this often here (1 s when served by hand): a test watching the relay waits less."""


class LiveHost:
    """A running host: its address, its parts, and how to stop it."""

    def __init__(
        self, host: Host, server: uvicorn.Server, thread: threading.Thread, listening: socket.socket
    ) -> None:
        self.host = host
        self.url = f"http://127.0.0.1:{listening.getsockname()[1]}"
        self._server = server
        self._thread = thread
        self._listening = listening

    @property
    def service(self) -> cc.CollaborationService:
        return self.host.service

    @property
    def sandbox(self) -> Sandbox:
        return self.host.sandbox

    def words(self, brand: str, language: str) -> Localizer:
        """collabcore's own words in ``brand`` and ``language``: what the pages must show."""
        return self.service.speaking(brand, language).localizer

    def stop(self) -> None:
        # The app's lifespan stops the worker as the server shuts down; close() makes sure.
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._listening.close()
        self.host.close()
        if self._thread.is_alive():
            raise RuntimeError("The web host's server did not stop within 10 s.")


def start_host(
    *, db: str | None = None, dsn: str | None = None, schema: str | None = None, worker: bool = True
) -> LiveHost:
    """Set up the demo story on a fresh store and serve it, as the example's setup and serve
    commands do (``worker=False``: as ``serve --no-worker``, nothing carried out unless the
    test runs the relay itself); returns once it answers."""
    if dsn is not None:
        set_up(dsn, schema=schema)
        host = open_host(dsn=dsn, schema=schema, every=WORKER_EVERY)
    else:
        assert db is not None
        set_up(db)
        host = open_host(db=db, every=WORKER_EVERY)
    try:
        app = create_app(host.service, sandbox=host.sandbox, worker=host.worker if worker else None)
        # Bound here, before the server starts, so the port is ours: no race for a free one.
        listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listening.bind(("127.0.0.1", 0))
    except BaseException:
        host.close()
        raise
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    live = LiveHost(host, server, thread, listening)
    try:
        _wait_until_answering(live.url, server, thread)
    except BaseException:
        live.stop()
        raise
    return live


def _wait_until_answering(url: str, server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("The web host's server stopped while starting; see the log above.")
        if server.started:
            try:
                with urllib.request.urlopen(f"{url}/ui/sign-in", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.05)
    raise RuntimeError(f"The web host at {url} did not answer within {STARTUP_SECONDS:.0f} s.")

"""The web host's two commands, run from any folder with the folder's path:

    python path/to/web_host setup [--db FILE | --dsn DSN [--schema S]] [--fresh]
    python path/to/web_host serve [--db FILE | --dsn DSN [--schema S]] [--host H] [--port P] [--no-worker]

``setup`` makes the database and registers the demo story in it; ``serve`` starts the pages
and the JSON API on it, with the worker that runs the relay and the due run beside them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any, NoReturn

if not __package__:
    # Run as a folder (python path/to/web_host): Python runs this file alone, with the folder
    # itself on the path. The folder above goes there instead, and the folder is imported as
    # the package it is, so that the relative imports below work from any working folder
    # (and under any name the folder is copied to).
    _HERE = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _HERE:
        del sys.path[0]
    sys.path.insert(0, os.path.dirname(_HERE))
    __package__ = os.path.basename(_HERE)
    importlib.import_module(__package__)

import collabcore as cc

from .host import NotSetUp, open_host
from .story import PEOPLE, set_up

DEFAULT_DB = "web-host.db"
log = logging.getLogger("web_host")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.schema is not None and args.dsn is None:
        parser.error("--schema goes with --dsn (a PostgreSQL database), not with a SQLite file")
    try:
        if args.command == "setup":
            return _setup(args)
        return _serve(args)
    except NotSetUp as error:
        if error.foreign:
            _fail(f"{error.message} Give the web host its own: {_command('setup', args, new=True)}")
        _fail(f"{error.message} Set it up first: {_command('setup', args)}")
    except cc.CollabCoreError as error:
        _fail(str(error))
    except KeyboardInterrupt:
        return 130


def _setup(args: argparse.Namespace) -> int:
    target = args.dsn if args.dsn is not None else args.db
    story = set_up(target, schema=args.schema, fresh=args.fresh)
    for line in story.lines():
        print(line)
    print()
    print(f"Start it:  {_command('serve', args)}")
    print("Then open: http://127.0.0.1:8000/ui/sign-in")
    print(f"and sign in as {PEOPLE[0][1]}: the seeds' story starts at Hantverkarna i Norr AB (10042).")
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        _fail("serve needs the web extra: pip install 'collabcore[web]'.")
    words = {"brand": args.brand, "language": args.language}
    if args.dsn is not None:
        host = open_host(dsn=args.dsn, schema=args.schema, every=args.every, **words)
    else:
        host = open_host(db=args.db, every=args.every, **words)
    create_app = _create_app()
    try:
        # The app's lifespan starts the worker and stops it (Ctrl-C, SIGTERM); close() after
        # stops it again (doing nothing if it stopped) and closes the sandbox and the store.
        app = create_app(host.service, sandbox=host.sandbox, worker=None if args.no_worker else host.worker)
        logging.basicConfig(level=logging.INFO, format="%(levelname)-9s %(name)s: %(message)s")
        print(f"Serving on http://{args.host}:{args.port}/ui/sign-in (Ctrl-C stops it)", flush=True)
        server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="info"))
        # uvicorn shuts down gracefully on Ctrl-C or SIGTERM, then raises the signal again for
        # the handler it found: here both interrupt, so that the store is closed below and the
        # process ends as a stop asked for, not killed.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        # uvicorn returns without starting on a port it cannot take: that is a failure.
        return 0 if server.started else 1
    finally:
        host.close()


def _create_app() -> Any:
    # Imported when serving only: setting up needs no web framework.
    from .app import create_app

    return create_app


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_program(),
        description="collabcore's reference web host: set up the demo story, then serve it.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    setup = commands.add_parser("setup", help="make the database and register the demo story in it")
    serve = commands.add_parser("serve", help="serve the pages and the JSON API, with the worker")
    for command in (setup, serve):
        where = command.add_mutually_exclusive_group()
        where.add_argument(
            "--db", default=DEFAULT_DB, metavar="FILE", help=f"a SQLite file (default: {DEFAULT_DB})"
        )
        where.add_argument("--dsn", metavar="DSN", help="a PostgreSQL database: postgresql://user@host/db")
        command.add_argument("--schema", metavar="S", help="the PostgreSQL schema (default: collabcore)")
    setup.add_argument("--fresh", action="store_true", help="delete what the database holds and start over")
    serve.add_argument("--host", default="127.0.0.1", help="the address to serve on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="the port to serve on (default: 8000)")
    serve.add_argument("--no-worker", action="store_true", help="run neither the relay nor the due run")
    serve.add_argument(
        "--brand",
        default="visma",
        help="the host's brand: the pages' first words and the notifications' (default: visma; or spiris)",
    )
    serve.add_argument("--language", default="en", help="the host's language (default: en; or sv)")
    serve.add_argument(
        "--every", type=float, default=1.0, metavar="SECONDS", help="how often the worker runs (default: 1)"
    )
    return parser


def _program() -> str:
    """How this was started, to repeat in a command line: the folder's path as given."""
    started = sys.argv[0] if sys.argv and sys.argv[0] else "web_host"
    if os.path.basename(started) == "__main__.py":
        started = os.path.dirname(started) or os.curdir
    # The interpreter that runs this one has collabcore installed; a bare "python" may not.
    return f"{sys.executable or 'python'} {started}"


def _command(command: str, args: argparse.Namespace, *, new: bool = False) -> str:
    if args.dsn is not None:
        where = f"--dsn {args.dsn} --schema {'NEW_SCHEMA' if new else args.schema or 'collabcore'}"
        if not new and not args.schema:
            where = f"--dsn {args.dsn}"
    else:
        where = f"--db {'NEW_FILE.db' if new else args.db}"
    return f"{_program()} {command} {where}"


def _fail(message: str) -> NoReturn:
    # One line, no traceback: what went wrong and what to do.
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    raise SystemExit(1)


if __name__ == "__main__":
    raise SystemExit(main())

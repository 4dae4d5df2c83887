"""The `rivya-mock` command: start the fake over HTTP with a profile, knobs, a seed and a clock."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import quote

from starlette.applications import Starlette

from .app import create_app
from .backend import Backend
from .clock import make_clock
from .control_access import TOKEN_ENV, refusal
from .inspector import install_request_log
from .inspector.samples import copy_samples
from .profile import Profile, ProfileError, apply_knobs, load_profile_file, parse_assignment
from .server import base_url_of, bind_socket, keep_full_collections_short, uvicorn_server


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rivya-mock", description="A faithful fake of the Rivya Public API v1."
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["serve", "samples"],
        default="serve",
        help="`serve` (the default), or `samples DIR`: copy the sample media files into DIR",
    )
    parser.add_argument("directory", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"rivya-mock {package_version()}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port_number, default=8000, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=None, help="fixes ids, outcomes and faults")
    parser.add_argument("--profile", metavar="FILE", help="a JSON or TOML profile of knobs")
    parser.add_argument(
        "--set",
        metavar="KNOB=VALUE",
        action="append",
        default=[],
        dest="knobs",
        help="set one behaviour knob (repeatable)",
    )
    parser.add_argument("--clock", choices=["real", "manual"], default="real")
    parser.add_argument(
        "--control-token",
        metavar="TOKEN",
        default=None,
        help=f"require 'Authorization: Bearer TOKEN' on /_mock (env {TOKEN_ENV}); "
        "needed to listen on a non-loopback host",
    )
    parser.add_argument(
        "--chaos",
        type=float,
        default=0.0,
        metavar="P",
        help="chance (0-1) of a random fault on each API request (control plane)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="info: a line per request; warning: rejections and faults only; debug: uvicorn too",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no request log (the banner still prints)"
    )
    return parser


def port_number(text: str) -> int:
    """A TCP port 0-65535 (0: any free one); anything else is a usage error (exit 2)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0-65535, got {port}")
    return port


def package_version() -> str:
    try:
        return version("rivya-mock")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def resolve_profile(args: argparse.Namespace) -> Profile:
    """Defaults < profile file < --set (dedicated flags are applied by their own code)."""
    profile = load_profile_file(args.profile) if args.profile else Profile()
    assignments = dict(parse_assignment(text) for text in args.knobs)
    return apply_knobs(profile, assignments)


def banner(
    url: str,
    key: str,
    credits: int,
    *,
    seed: int | None = None,
    control_token: str | None = None,
    webhook_urls: str = "public",
    try_path: str = "/api/v1/credits",
) -> str:
    """What `rivya-mock` prints first; `try_path` is the route of its curl line (the credits,
    unless the key may not read them: then the public model list, which answers anyway)."""
    lines = [
        f"Rivya mock listening on {url}",
        f"API key: {key} ({credits} credits)",
        f"Try: curl -s {url}{try_path} -H 'Authorization: Bearer {key}'",
    ]
    if seed is not None:
        lines.append(
            f"Seed {seed}: ids, request ids and secrets are predictable from the seed "
            "(anyone who sees a few ids can guess others' /cdn URLs)"
        )
    if control_token:
        lines.append("Control plane: /_mock needs 'Authorization: Bearer <control token>'")
    token = f"?token={quote(control_token, safe='')}" if control_token else ""
    lines.append(f"Inspector: {url}/_mock/ui{token}")
    if webhook_urls == "local":
        lines.append("Webhooks: receivers on this machine are accepted (webhook_urls=local)")
    else:
        lines.append(
            "Webhooks: public https URLs only; --set webhook_urls=local accepts a receiver "
            "on this machine"
        )
    return "\n".join(lines)


def uvicorn_level(args: argparse.Namespace) -> str:
    """uvicorn's own lines (start-up chatter) only when asked for debug or trace."""
    return args.log_level if args.log_level in ("debug", "trace") else "warning"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "samples":
        return copy_samples(parser, args.directory)
    if args.directory is not None:
        parser.error(f"unexpected argument {args.directory!r}")
    try:
        profile = resolve_profile(args)
    except ProfileError as exc:
        parser.error(str(exc))
    if not 0.0 <= args.chaos <= 1.0:
        parser.error(f"--chaos: must be between 0 and 1, got {args.chaos}")
    token = args.control_token if args.control_token is not None else os.environ.get(TOKEN_ENV)
    reason = refusal(args.host, token)
    if reason:
        parser.error(reason)
    app, key, credits = build_app(profile, args, token)
    try_path = "/api/v1/credits" if reads_credits(app, key) else "/api/v1/models"
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        parser.exit(1, f"rivya-mock: cannot listen on {args.host}:{args.port}: {exc.strerror}\n")
    url = base_url_of(sock)
    shown = banner(
        url,
        key,
        credits,
        seed=args.seed,
        control_token=token,
        webhook_urls=profile.webhook_urls,
        try_path=try_path,
    )
    print(shown, flush=True)
    if not args.quiet:
        level = getattr(logging, args.log_level.upper(), logging.DEBUG)  # trace: DEBUG
        install_request_log(app.state.control, sys.stderr, level)
    keep_full_collections_short()
    # uvicorn re-raises SIGTERM once it has stopped: exit through `finally`, not by the signal
    previous = signal.signal(signal.SIGTERM, _exit_quietly)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn_server(app, uvicorn_level(args)).run(sockets=[sock])
    finally:
        app.state.backend.close()  # the uploads' temporary directory
        signal.signal(signal.SIGTERM, previous)
    return 0


def reads_credits(app: Starlette, key: str) -> bool:
    """Whether `key` is in force and may read credits (else the banner's curl line would 403)."""
    api_key = app.state.backend.accounts.keys[key]
    return "credits:read" in api_key.scopes and not (api_key.revoked or api_key.expired)


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def build_app(
    profile: Profile, args: argparse.Namespace, token: str | None
) -> tuple[Starlette, str, int]:
    """The app, its ready key and that key's credits. No reference to the first backend
    outlives this call: a full reset must be able to free it."""
    backend = Backend(profile, clock=make_clock(args.clock), seed=args.seed)
    key = backend.ready_key()
    credits = backend.ledger.balance(backend.accounts.keys[key].account_id)
    app = create_app(backend=backend, control_token=token)
    app.state.control.set_chaos(args.chaos)
    return app, key, credits


if __name__ == "__main__":
    sys.exit(main())

"""The `clinicbot` command line. Logging is configured here, once."""

from __future__ import annotations

import argparse
import getpass
import logging
import sqlite3
import sys
from pathlib import Path

from console.logs import configure
from core.settings import Settings, SettingsError

log = logging.getLogger("clinicbot")


def _settings(
    args: argparse.Namespace, demo: bool = False, demo_clinic: bool = False
) -> Settings:
    try:
        settings = Settings.from_env(demo=demo, demo_clinic=demo_clinic)
    except SettingsError as exc:
        sys.exit(f"clinicbot: configuration error: {exc}")
    configure(settings.log_format, args.verbose)
    return settings


def _open(settings: Settings) -> None:
    from core.policy import ensure_policy
    from core.storage.db import open_database
    from core.storage.migrate import migrate

    open_database(settings.database_url)
    migrate()
    ensure_policy(settings.timezone)


def cmd_migrate(args: argparse.Namespace) -> int:
    from core.storage.db import open_database
    from core.storage.migrate import migrate

    settings = _settings(args, demo=True)
    open_database(settings.database_url)
    applied = migrate()
    print(
        f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}"
    )
    return 0


def _seed(settings: Settings) -> list[str]:
    """Seed the demo clinic if empty; the lines that tell how to log in."""
    from core.clock import system_clock
    from core.demo import seed_demo

    logins = seed_demo(system_clock(), settings.timezone)
    if logins is None:
        return [
            "Demo data already present; its logins were shown when it was seeded.",
            "Forgot them? Set a new password:"
            "  clinicbot set-password --email admin@clinic.example",
        ]
    lines = ["Demo clinic seeded. Console logins (shown once):"]
    lines += [f"  {email}  password: {password}" for email, password in logins.items()]
    return lines


def cmd_demo_data(args: argparse.Namespace) -> int:
    settings = _settings(args, demo=True, demo_clinic=True)
    _open(settings)
    print("\n".join(_seed(settings)))
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    from core.clock import system_clock
    from core.errors import DomainError
    from core.staff.accounts import set_password_by_email

    settings = _settings(args, demo=True)
    _open(settings)
    password = _typed_password(args.password_stdin)
    if password is None:
        return 2
    try:
        set_password_by_email(args.email, password, system_clock())
    except DomainError as exc:
        print(f"clinicbot: {exc}", file=sys.stderr)
        return 2
    print(f"new password set for {args.email}; its old sessions are signed out")
    return 0


def _typed_password(from_stdin: bool) -> str | None:
    """The password from stdin, or typed twice at a prompt (None if they differ)."""
    password = from_stdin and sys.stdin.readline().rstrip("\n")
    if not password:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat password: "):
            print("clinicbot: passwords differ; nothing changed", file=sys.stderr)
            return None
    return password


def cmd_create_staff(args: argparse.Namespace) -> int:
    from core.errors import DomainError
    from core.staff.accounts import create_staff

    settings = _settings(args, demo=True)
    _open(settings)
    password = _typed_password(args.password_stdin)
    if password is None:
        return 2
    try:
        user = create_staff(args.email, password, args.role, args.doctor_id)
    except DomainError as exc:
        print(f"clinicbot: {exc}", file=sys.stderr)
        return 2
    print(f"created {user.role} login {user.email}")
    return 0


def cmd_api_token(args: argparse.Namespace) -> int:
    from core.clock import system_clock
    from core.errors import DomainError
    from core.integrations import tokens

    settings = _settings(args, demo=True)
    _open(settings)
    now = system_clock()
    try:
        if args.token_command == "create":
            token_id, token = tokens.create(args.name, args.role, now)
            print(
                f"created {args.role} API token {token_id} ({args.name}); shown once:"
            )
            print(token)
        elif args.token_command == "revoke":
            tokens.revoke(args.id, now)
            print(f"revoked API token {args.id}")
        else:
            for row in tokens.listing(settings.tz):
                state = "revoked" if row["revoked_at"] else "active"
                used = row["last_used_at"] or "never"
                print(
                    f"{row['id']:>4}  {row['prefix']}...  {row['role']:<6}  {state:<7}"
                    f"  last used {used}  {row['name']}"
                )
    except DomainError as exc:
        print(f"clinicbot: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    settings = _settings(args, demo=True)
    if not settings.is_sqlite:
        print(
            "clinicbot: backup copies SQLite databases; use pg_dump for PostgreSQL",
            file=sys.stderr,
        )
        return 2
    source_path = settings.database_url.removeprefix("sqlite:///")
    if not Path(source_path).is_file():
        print(f"clinicbot: no database at {source_path}", file=sys.stderr)
        return 2
    target = Path(args.path)
    if target.exists():
        print(f"clinicbot: {target} exists; choose a new file", file=sys.stderr)
        return 2
    # SQLite's online backup API copies a consistent snapshot while others write.
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    print(f"backed up {source_path} to {target}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from console.app import create_app, freeze_startup_objects
    from console.logs import AccessLogger

    settings = _settings(args, demo=args.demo, demo_clinic=args.demo)
    told = []
    if args.demo:
        _open(settings)
        told = _seed(settings)
    app = create_app(settings, role=args.role)
    app.on_startup.append(freeze_startup_objects)
    host = "localhost" if args.host in ("0.0.0.0", "127.0.0.1") else args.host
    banner = [f"ClinicBot console: http://{host}:{args.port}/  (role {args.role})"]

    def say_how_to_log_in(_aiohttp_says: str) -> None:
        # run_app calls this once it listens: after every start-up log line,
        # so the logins are the last thing on the screen.
        print("\n".join(banner + told), flush=True)

    AccessLogger.choice = settings.access_log
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        print=say_how_to_log_in,
        access_log_class=AccessLogger,
        reuse_port=args.reuse_port or None,
    )
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.terminal import run_chat

    settings = _settings(args, demo=True)
    _open(settings)
    return run_chat(settings, args.phone)


def cmd_jobs(args: argparse.Namespace) -> int:
    from console.scheduling import run_once

    settings = _settings(args, demo=True)
    _open(settings)
    return run_once(settings, args.now, max(0.0, args.max_seconds))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clinicbot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web app, bots and scheduler")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--demo", action="store_true", help="seed a demo clinic if empty"
    )
    serve.add_argument("--role", choices=("all", "web", "scheduler"), default="all")
    serve.add_argument(
        "--reuse-port",
        action="store_true",
        help="share the port with other `serve` processes (SO_REUSEPORT)",
    )
    serve.set_defaults(func=cmd_serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        func=cmd_migrate
    )
    commands.add_parser(
        "demo-data", help="seed a demo clinic (idempotent)"
    ).set_defaults(func=cmd_demo_data)

    staff = commands.add_parser("create-staff", help="create a console login")
    staff.add_argument("--email", required=True)
    staff.add_argument("--role", choices=("admin", "staff", "doctor"), required=True)
    staff.add_argument("--doctor-id", type=int, help="the doctor a doctor login is")
    staff.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    staff.set_defaults(func=cmd_create_staff)

    reset = commands.add_parser(
        "set-password", help="set a new password for a console login"
    )
    reset.add_argument("--email", required=True)
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    reset.set_defaults(func=cmd_set_password)

    chat = commands.add_parser("chat", help="talk to the bot as a patient")
    chat.add_argument("--phone", required=True, help="the patient's phone, E.164")
    chat.set_defaults(func=cmd_chat)

    jobs = commands.add_parser("jobs", help="scheduler jobs")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", required=True)
    run_once = jobs_commands.add_parser("run-once", help="run every job once")
    run_once.add_argument("--now", help="pretend it is this ISO 8601 time")
    run_once.add_argument(
        "--max-seconds",
        type=float,
        default=120,
        help="keep sending what is due for at most this long (default 120)",
    )
    run_once.set_defaults(func=cmd_jobs)

    api_token = commands.add_parser("api-token", help="tokens for the integration API")
    token_commands = api_token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="create a token (shown once)")
    create.add_argument("--name", required=True, help="what will use it")
    create.add_argument(
        "--role", choices=("admin", "staff", "doctor", "read"), required=True
    )
    revoke = token_commands.add_parser("revoke", help="stop a token working")
    revoke.add_argument("id", type=int)
    token_commands.add_parser("list", help="every token, without the secret")
    api_token.set_defaults(func=cmd_api_token)

    backup = commands.add_parser("backup", help="consistent copy of a SQLite database")
    backup.add_argument("path")
    backup.set_defaults(func=cmd_backup)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure("text", args.verbose)  # until the settings say otherwise
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

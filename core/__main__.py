"""Command line: `python -m core migrate | seed-demo | user ... | import | export | backup |
restore`.

It acts as the local operator: user management runs with the admin role, demo seeding
with the admin role too, and every write is audited with the actor "cli".
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Callable
from pathlib import Path

from core import backup, db
from core.config import load_settings
from core.errors import DomainError, ValidationFailed
from core.i18n import t
from core.models import Role
from core.permissions import system_actor
from core.seed import clear_domain_data, has_domain_data, seed_demo
from core.services import users
from core.settings import ensure_reference_data

LANG = "en"


def _progress_printer() -> Callable[[float, str], None]:
    last = {"percent": -1}

    def show(fraction: float, message: str) -> None:
        percent = int(fraction * 100)
        if percent != last["percent"]:
            last["percent"] = percent
            print(f"\r{percent:3d}%  {message:<30}", end="", file=sys.stderr, flush=True)
        if fraction >= 1:
            print(file=sys.stderr)

    return show


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat: "):
        raise SystemExit("The passwords differ; nothing was changed.")
    return first


def cmd_migrate(_args: argparse.Namespace) -> int:
    settings = load_settings()
    db.upgrade_to_head(settings.database_url)
    with db.write_session() as session:
        ensure_reference_data(session)
    print("Database is at the newest schema.")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.is_production:
        print("Refused: APP_ENV=production never gets demo data.", file=sys.stderr)
        return 2
    db.upgrade_to_head(settings.database_url)
    started = time.perf_counter()
    with db.write_session() as session:
        ensure_reference_data(session)
        if has_domain_data(session):
            if not args.replace:
                print(
                    "The database already has data; use --replace to wipe it and seed anew.",
                    file=sys.stderr,
                )
                return 2
            clear_domain_data(session)
        report = seed_demo(
            session, seed=args.seed, sessions=args.sessions, progress=_progress_printer()
        )
    elapsed = time.perf_counter() - started
    for name, count in sorted(report.counts.items()):
        print(f"{name:>16}: {count:>9,}")
    print(f"Seeded in {elapsed:.1f} s (including the commit).")
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    actor = system_actor(Role.ADMIN)
    db.upgrade_to_head(load_settings().database_url)
    with db.write_session() as session:
        if args.user_command == "list":
            for user in users.list_users(session, actor):
                state = "active" if user.active else "disabled"
                print(f"{user.username:<20} {','.join(user.roles):<30} {state:<9} {user.name}")
            return 0
        if args.user_command == "add":
            password = _read_password(args)
            users.create_user(
                session,
                actor,
                username=args.username,
                name=args.name,
                email=args.email or "",
                roles=args.roles,
                password=password,
            )
            print(f"User {args.username} created.")
            return 0
        found = users.find_by_username(session, args.username)
        if found is None or found.id is None:
            print(f"No user {args.username}.", file=sys.stderr)
            return 2
        if args.user_command == "passwd":
            users.reset_password(
                session,
                actor,
                user_id=found.id,
                new_password=_read_password(args),
                expected_version=found.version,
            )
            print(f"Password of {found.username} changed; their sessions have ended.")
        elif args.user_command == "disable":
            users.set_active(
                session, actor, user_id=found.id, active=False, expected_version=found.version
            )
            print(f"User {found.username} disabled; their sessions have ended.")
        elif args.user_command == "enable":
            users.set_active(
                session, actor, user_id=found.id, active=True, expected_version=found.version
            )
            print(f"User {found.username} enabled.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """All rows of the file or none, as the coordinator would import it in the browser."""
    from core.services import case_io, provider_io

    path = Path(args.file)
    db.upgrade_to_head(load_settings().database_url)
    if args.kind in case_io.KINDS:
        started = time.perf_counter()
        with db.write_session() as session:
            outcome = case_io.run_import(
                session,
                system_actor(Role.COORDINATOR),
                kind=args.kind,
                data=path.read_bytes(),
                filename=path.name,
                progress=_progress_printer(),
            )
        print(
            f"Imported {args.file}: {outcome.new} new, {outcome.changed} changed, "
            f"{outcome.unchanged} unchanged in {time.perf_counter() - started:.1f} s "
            "(including the commit)."
        )
        return 0
    with db.write_session() as session:
        result = provider_io.run_import(
            session,
            system_actor(Role.COORDINATOR),
            kind=args.kind,
            data=path.read_bytes(),
            filename=path.name,
            progress=_progress_printer(),
        )
    print(
        f"Imported {args.file}: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from core.services import provider_io

    export = {
        "providers": provider_io.export_providers,
        "public-list": provider_io.export_public_list,
    }[args.what]
    with db.write_session() as session:
        content = export(
            session,
            system_actor(Role.COORDINATOR),
            fmt="xlsx" if args.file.lower().endswith(".xlsx") else "csv",
            lang=args.lang,
        )
    Path(args.file).write_bytes(content)
    print(f"Wrote {args.file} ({len(content):,} bytes).")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    result = backup.backup(load_settings().database_url, Path(args.file))
    print(
        f"Backup written to {args.file}: integrity {result.integrity}, "
        f"{sum(result.tables.values()):,} rows in {len(result.tables)} tables."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    url = load_settings().database_url
    if not args.yes:
        answer = input(f"Replace the database {url} with {args.file}? Type 'yes': ")
        if answer.strip().lower() != "yes":
            print("Nothing was restored.")
            return 1
    result = backup.restore(url, Path(args.file))
    print(f"Restored: integrity {result.integrity}, {sum(result.tables.values()):,} rows.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the database to the newest schema")

    seed = commands.add_parser("seed-demo", help="fill the database with demo data")
    seed.add_argument("--seed", type=int, default=2026)
    seed.add_argument("--sessions", type=int, default=20_000)
    seed.add_argument("--replace", action="store_true", help="wipe domain data first")

    user = commands.add_parser("user", help="manage users")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add")
    add.add_argument("username")
    add.add_argument("--name", required=True)
    add.add_argument("--email")
    add.add_argument("--roles", nargs="+", required=True, choices=[r.value for r in Role])
    add.add_argument("--password-stdin", action="store_true")
    passwd = user_commands.add_parser("passwd")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    for name in ("disable", "enable"):
        user_commands.add_parser(name).add_argument("username")
    user_commands.add_parser("list")

    importing = commands.add_parser("import", help="import a CSV or XLSX file (all or nothing)")
    importing.add_argument(
        "kind",
        choices=["providers", "specialists", "qualifications", "cases", "sessions", "outcomes"],
    )
    importing.add_argument("file")
    exporting = commands.add_parser("export", help="export to CSV or XLSX (by file extension)")
    exporting.add_argument("what", choices=["providers", "public-list"])
    exporting.add_argument("file")
    exporting.add_argument("--lang", choices=["et", "en"], default="et")

    backup_parser = commands.add_parser("backup", help="write a consistent copy (SQLite)")
    backup_parser.add_argument("file")
    restore_parser = commands.add_parser("restore", help="bring a backup back (SQLite)")
    restore_parser.add_argument("file")
    restore_parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser


HANDLERS = {
    "migrate": cmd_migrate,
    "seed-demo": cmd_seed_demo,
    "user": cmd_user,
    "import": cmd_import,
    "export": cmd_export,
    "backup": cmd_backup,
    "restore": cmd_restore,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return HANDLERS[args.command](args)
    except ValidationFailed as error:
        for field, key, params in error.problems:
            where = f"row {params['row']}, " if "row" in params and "row" not in field else ""
            print(f"{where}{field}: {t(key, LANG, **params)}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(t(error.key, LANG, **error.params), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

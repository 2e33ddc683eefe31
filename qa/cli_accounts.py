"""Command line of the team server: ``python -m qa users ...`` and ``python -m qa serve``."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

EXIT_OK = 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    users = sub.add_parser("users", help="accounts of the team server (admins and members)")
    leaf = [common]  # options after the action (`users add NAME --index-dir D`)
    act = users.add_subparsers(dest="action", required=True)
    add = act.add_parser("add", parents=leaf, help="add a user; the password is read from a prompt or standard input")
    add.add_argument("name")
    add.add_argument("--role", choices=["admin", "member"], required=True)
    act.add_parser("list", parents=leaf, help="list users")
    disable = act.add_parser(
        "disable", parents=leaf, help="stop a user signing in (their sessions end, keys stop working)"
    )
    disable.add_argument("name")
    enable = act.add_parser("enable", parents=leaf, help="let a disabled user sign in again")
    enable.add_argument("name")
    reset = act.add_parser(
        "reset-password", parents=leaf, help="set a new password (read from a prompt or standard input)"
    )
    reset.add_argument("name")
    key = act.add_parser("key", help="API keys: create (shown once), list, revoke")
    key_act = key.add_subparsers(dest="key_action", required=True)
    create = key_act.add_parser("create", parents=leaf, help="a new key for NAME, printed once")
    create.add_argument("name")
    create.add_argument("--label", default="", help="what the key is for")
    listing = key_act.add_parser("list", parents=leaf, help="keys of NAME (default: everyone's)")
    listing.add_argument("name", nargs="?")
    revoke = key_act.add_parser("revoke", parents=leaf, help="revoke a key by its id (from `users key list`)")
    revoke.add_argument("key_id")

    serve = sub.add_parser("serve", parents=[common], help="the HTTP API (REST under /api, OpenAI-compatible /v1)")
    serve.add_argument("--host", help="address to listen on (QA_SERVER_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (QA_SERVER_PORT, default 8080)")


def _password(prompt: str) -> str:
    """From a prompt on a terminal (asked twice), else the first line of standard input: never argv."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            from qa import AccountError

            raise AccountError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def users(args: argparse.Namespace, settings: Any) -> int:
    from qa import Accounts, ConversationStore

    accounts = Accounts.open(settings.storage.index_dir, settings.accounts)
    if args.action == "add":
        had_admin = accounts.first_admin() is not None
        user = accounts.add(args.name, args.role, _password(f"Password for {args.name}: "))
        print(f"added {user.role} {user.name}")
        if user.role == "admin" and not had_admin:  # the chats kept before accounts become the first admin's
            moved = ConversationStore(settings.storage.conversations_file).adopt(user.id)
            if moved:
                print(f"{moved} earlier chat(s) now belong to {user.name}")
    elif args.action == "list":
        for u in accounts.users():
            print(f"{u.name}\t{u.role}\t{'disabled' if u.disabled else 'active'}\tsince {u.created_at}")
    elif args.action in ("disable", "enable"):
        user = accounts.disable(args.name, args.action == "disable")
        print(f"{user.name} is {'disabled' if user.disabled else 'active'}")
    elif args.action == "reset-password":
        accounts.reset_password(args.name, _password(f"New password for {args.name}: "))
        print(f"password of {args.name} changed; their sessions ended")
    elif args.key_action == "create":
        new = accounts.create_key(accounts.get(args.name), args.label)
        print(f"API key {new.info.id} for {args.name} (shown only now; keep it secret):", file=sys.stderr)
        print(new.key)
    elif args.key_action == "list":
        owner = accounts.get(args.name) if args.name else None
        names = {u.id: u.name for u in accounts.users()}
        for k in accounts.keys(owner):
            print(
                f"{k.id}\t{names.get(k.user_id, '?')}\t{k.label}\t{'revoked' if k.revoked else 'active'}\t{k.created_at}"
            )
    else:
        accounts.revoke_key(args.key_id)
        print(f"revoked {args.key_id}")
    return EXIT_OK


def serve(args: argparse.Namespace, settings: Any) -> int:
    from qa.server.run import serve as run_server

    run_server(settings, host=args.host, port=args.port)
    return EXIT_OK

"""Who is asking: an API key or session token (``Authorization: Bearer``, or the session
cookie), checked on every route; the roles each route needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from qa import LOCAL_OWNER, Accounts, Forbidden, NotSignedIn, Role, User
from qa.loopback import is_loopback

SESSION_COOKIE = "qa_session"
# The one person of a loopback server without accounts: owns the chats kept before accounts.
LOCAL_USER = User(LOCAL_OWNER, "local", "admin", False, "")


@dataclass(frozen=True)
class Gate:
    accounts: Accounts
    loopback: bool  # the server listens on a loopback address only


def credential(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def _from_this_machine(request: Request) -> bool:
    """Addressed by a loopback name (a rebound DNS name is not) and, if a browser sent an
    Origin, from a loopback page: another site open in the browser gets no free pass."""
    origin = request.headers.get("origin")
    return is_loopback(request.url.hostname) and (origin is None or is_loopback(urlsplit(origin).hostname))


# Both run on the event loop (async def), not in the thread pool: a key or session check is a
# SHA-256 or HMAC and one or two reads on a kept-open SQLite connection (tens of microseconds),
# cheaper than the two thread switches a sync dependency costs on every request.
async def current_user(request: Request) -> User:
    gate: Gate = request.app.state.gate
    token = credential(request)
    if token is not None:
        return gate.accounts.authenticate(token)
    if gate.loopback and not gate.accounts.exist() and _from_this_machine(request):
        return LOCAL_USER  # one person on their own machine, as before accounts
    raise NotSignedIn("Sign in first: send an API key or session token as `Authorization: Bearer ...`.")


def require(*roles: Role):
    async def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise Forbidden(f"This needs the {' or '.join(roles)} role.")
        return user

    return check


# Route parameters: the signed-in user, with the role checked.
Member = Annotated[User, Depends(require("admin", "member"))]
Admin = Annotated[User, Depends(require("admin"))]

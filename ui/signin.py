"""Who is using the browser app, checked on every run: the person signed in with the shared
accounts (a session token in a cookie, so a reload or a new tab stays signed in), or, with no
accounts on an app reached on this machine, the one local person who owns every chat as before.

Streamlit reads cookies only from the request that opened the tab (``st.context.cookies``) and
has no call that sets one, so a tab that signs in keeps its token in its session state and
writes the cookie with a few lines of JavaScript (``st.html``); the token is checked through
``Accounts.authenticate`` on every run, so a sign-out, an expiry or a disabled user ends it."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import streamlit as st

from qa import LOCAL_OWNER, Accounts, NotSignedIn, QAError, Settings, SignedIn, User, is_loopback, md_text
from ui.resources import get_settings

logger = logging.getLogger(__name__)

# Not the HTTP API's cookie name: a cookie is sent to every port of a host, and the API should
# not take the browser app's cookie as a credential (the API's clients send a Bearer header).
COOKIE = "qa_ui_session"
# itsdangerous' URL-safe tokens; anything else in a cookie is not ours and never reaches the page.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_.\-]{16,512}")
LOCAL_USER = User(LOCAL_OWNER, "local", "admin", False, "")
Action = Literal["upload", "remove", "evaluate"]

_VISITOR = "signin_visitor"  # this run's Visitor
_SIGNED = "signin_signed"  # the SignedIn of a sign-in made in this tab
_CLEAR = "signin_clear_cookie"  # this tab signed out: clear the cookie on the form's runs


@dataclass(frozen=True)
class Visitor:
    user: User
    token: str | None  # None: the local person (no accounts, on this machine)

    @property
    def owner(self) -> str:
        """Whose chats: the user's id, or ``LOCAL_OWNER`` (the chats kept before accounts)."""
        return self.user.id


@st.cache_resource(show_spinner=False)
def get_accounts() -> Accounts:
    settings = get_settings()
    return Accounts.open(settings.storage.index_dir, settings.accounts)


def cookie_script(token: str | None, max_age_s: float = 0) -> str:
    """A script that stores ``token`` in the session cookie for ``max_age_s`` (or clears it when
    ``token`` is None). Strict same-site, the whole app's path, Secure when served over HTTPS."""
    if token is not None and not _TOKEN_SHAPE.fullmatch(token):
        raise ValueError("not a session token")
    age = max(0, int(max_age_s)) if token else 0
    cookie = json.dumps(f"{COOKIE}={token or ''}; Path=/; Max-Age={age}; SameSite=Strict")
    return f'<script>document.cookie = {cookie} + (location.protocol === "https:" ? "; Secure" : "");</script>'


def presented_token(signed: SignedIn | None, signed_out: bool, cookies: Mapping[str, str]) -> str | None:
    """This tab's own sign-in first (the cookies Streamlit holds are those of the tab's first
    request, stale once it signs in or out), else the cookie; None if it is not token-shaped."""
    if signed is not None:
        return signed.token
    if signed_out:
        return None
    token = cookies.get(COOKIE)
    return token if isinstance(token, str) and _TOKEN_SHAPE.fullmatch(token) else None


def on_this_machine(address: str | None, headers: Mapping[str, str]) -> bool:
    """The app listens on loopback and the page was addressed by a loopback name from a loopback
    page (no rebound DNS name, no other site). Without a Host header there is no network
    request at all (Streamlit's in-process AppTest, whose context is a mock), which is this
    machine too: a browser's WebSocket always sends one."""
    host = headers.get("host") or headers.get("Host")
    if not isinstance(host, str):
        return True
    origin = headers.get("origin") or headers.get("Origin")
    origin = origin if isinstance(origin, str) else None
    return (
        is_loopback(address)
        and is_loopback(urlsplit(f"//{host}").hostname)
        and (origin is None or is_loopback(urlsplit(origin).hostname))
    )


def visitor_for(accounts: Accounts, token: str | None, local: bool) -> Visitor | None:
    """The visitor ``token`` names (None: show the sign-in form). Without accounts, the local
    person if ``local``, else ``NotSignedIn`` saying how to add an account."""
    if not accounts.exist():
        if local:
            return Visitor(LOCAL_USER, None)
        raise NotSignedIn(
            "This app is reached beyond this machine and has no accounts: add one with "
            "`python -m qa users add NAME --role admin`, or listen on 127.0.0.1 only."
        )
    if token is None:
        return None
    try:
        return Visitor(accounts.authenticate(token), token)
    except NotSignedIn:
        return None


def allowed(visitor: Visitor, action: Action, settings: Settings) -> bool:
    """Uploads for ``QA_UPLOAD_ROLES``; removing documents and evaluating for admins (as the API)."""
    if action == "upload":
        return visitor.user.role in settings.server.upload_roles
    return visitor.user.role == "admin"


def current() -> Visitor:
    """The visitor ``gate`` let in on this run (a page run on its own, as in tests, passes the gate here)."""
    if _VISITOR not in st.session_state:
        return gate()
    visitor: Visitor = st.session_state[_VISITOR]
    return visitor


def may(action: Action) -> bool:
    return allowed(current(), action, get_settings())


def refusal(action: Action) -> str | None:
    """One line when the visitor may not do ``action``; None when they may."""
    if may(action):
        return None
    roles = get_settings().server.upload_roles if action == "upload" else ["admin"]
    return f"This needs the {' or '.join(roles)} role."


def gate() -> Visitor:
    """Who is asking, on every run; otherwise only the sign-in form (or one line) and the run stops."""
    state = st.session_state
    accounts = get_accounts()
    token = presented_token(state.get(_SIGNED), bool(state.get(_CLEAR)), st.context.cookies)
    try:
        visitor = visitor_for(accounts, token, on_this_machine(st.get_option("server.address"), st.context.headers))
    except QAError as exc:
        st.error(md_text(exc))
        st.stop()
    if visitor is None:
        if state.pop(_SIGNED, None) is not None or state.get(_CLEAR) or token is not None:
            state[_CLEAR] = True  # ended or expired: the cookie goes too
            st.html(cookie_script(None), unsafe_allow_javascript=True)
        signin_form(accounts)
        st.stop()
    signed: SignedIn | None = state.get(_SIGNED)
    if signed is not None:  # every run, so a rerun cannot drop the one that writes the cookie
        st.html(cookie_script(signed.token, signed.expires_at - time.time()), unsafe_allow_javascript=True)
    state[_VISITOR] = visitor
    with st.sidebar:
        account_section()
    return visitor


def signin_form(accounts: Accounts) -> None:
    st.title("Sign in")
    with st.form("signin"):
        name = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        signed = accounts.sign_in(name, password)
    except QAError as exc:  # wrong name or password, or locked: one line
        st.error(md_text(exc))
        return
    logger.info("%s signed in to the browser app", signed.user.name)
    st.session_state.pop(_CLEAR, None)
    st.session_state[_SIGNED] = signed
    st.rerun()


def _sign_out(token: str) -> None:
    get_accounts().sign_out(token)  # server side: the token stops working in every tab
    st.session_state.clear()  # nothing of this person stays in the tab (chat, results, choices)
    st.session_state[_CLEAR] = True
    st.query_params.clear()


def account_section() -> None:
    """Who is signed in and the Sign out button (nothing for the local person)."""
    visitor = current()
    if visitor.token is None:
        return
    st.text(f"Signed in as {visitor.user.name} ({visitor.user.role})")  # a name is text, never Markdown
    st.button("Sign out", icon=":material/logout:", on_click=_sign_out, args=(visitor.token,), key="sign-out")

"""ui/signin.py's decisions without a browser: the cookie it writes, which token it takes, who
counts as on this machine, and the visitor a token names (real accounts in a temporary folder)."""

from __future__ import annotations

import pytest

from qa import LOCAL_OWNER, Accounts, AccountSettings, NotSignedIn, Settings
from ui.signin import COOKIE, LOCAL_USER, Visitor, allowed, cookie_script, on_this_machine, presented_token, visitor_for

pytestmark = pytest.mark.unit


@pytest.fixture
def accounts(tmp_path, cheap_password_hashing):
    return Accounts.open(tmp_path, AccountSettings(session_hours=0.0005))  # 1.8 s


def test_cookie_script_sets_and_clears_a_strict_cookie():
    script = cookie_script("abc.DEF-123_xyz.token", 3600.7)
    assert f'"{COOKIE}=abc.DEF-123_xyz.token; Path=/; Max-Age=3600; SameSite=Strict"' in script
    assert 'location.protocol === "https:" ? "; Secure"' in script
    assert f'"{COOKIE}=; Path=/; Max-Age=0; SameSite=Strict"' in cookie_script(None)
    assert "Max-Age=0;" in cookie_script("abc.DEF-123_xyz.token", -5)  # expired already: gone
    for hostile in ['x"; alert(1); "abcdefghijklmnop', "</script><script>alert(1)</script>", "short"]:
        with pytest.raises(ValueError):
            cookie_script(hostile, 60)


def test_the_tabs_own_sign_in_comes_before_the_cookie(accounts):
    accounts.add("ann", "member", "ann-password-1")
    signed = accounts.sign_in("ann", "ann-password-1")
    cookie = {COOKIE: "stale.but-shaped.token_123"}
    assert presented_token(signed, False, cookie) == signed.token
    assert presented_token(None, False, cookie) == "stale.but-shaped.token_123"
    assert presented_token(None, True, cookie) is None  # this tab signed out: its old cookie is not read
    assert presented_token(None, False, {COOKIE: "<img src=x>"}) is None
    assert presented_token(None, False, {}) is None


def test_on_this_machine_needs_a_loopback_address_host_and_origin():
    assert on_this_machine("127.0.0.1", {"Host": "127.0.0.1:8501", "Origin": "http://127.0.0.1:8501"})
    assert on_this_machine("localhost", {"host": "localhost:8501"})
    assert on_this_machine("::1", {"host": "[::1]:8501"})
    assert not on_this_machine(None, {"host": "127.0.0.1:8501"})  # Streamlit's default: every interface
    assert not on_this_machine("0.0.0.0", {"host": "127.0.0.1:8501"})
    assert not on_this_machine("127.0.0.1", {"host": "rebound.example.org:8501"})  # DNS rebinding
    assert not on_this_machine("127.0.0.1", {"host": "127.0.0.1:8501", "origin": "https://other.example"})
    assert on_this_machine(None, {})  # no request at all: in-process (AppTest)


def test_visitor_for_a_token(accounts, clock):
    assert visitor_for(accounts, None, local=True) == Visitor(LOCAL_USER, None)
    assert visitor_for(accounts, None, local=True).owner == LOCAL_OWNER  # type: ignore[union-attr]
    with pytest.raises(NotSignedIn, match="users add"):
        visitor_for(accounts, None, local=False)
    accounts.add("ann", "admin", "ann-password-1")
    assert visitor_for(accounts, None, local=True) is None  # accounts exist: no local person any more
    signed = accounts.sign_in("ann", "ann-password-1")
    visitor = visitor_for(accounts, signed.token, local=False)
    assert visitor is not None and visitor.user.name == "ann" and visitor.owner == signed.user.id
    assert visitor_for(accounts, signed.token + "x", local=True) is None  # tampered
    accounts.sign_out(signed.token)
    assert visitor_for(accounts, signed.token, local=True) is None  # ended on the server
    again = accounts.sign_in("ann", "ann-password-1")
    accounts.disable("ann")
    assert visitor_for(accounts, again.token, local=True) is None
    accounts.disable("ann", False)
    late = accounts.sign_in("ann", "ann-password-1")
    assert visitor_for(accounts, late.token, local=True) is not None
    clock(2.2)
    assert visitor_for(accounts, late.token, local=True) is None  # expired


def test_roles_decide_uploads_removal_and_evaluation():
    admin = Visitor(LOCAL_USER, None)
    member = Visitor(LOCAL_USER.__class__("u1", "bob", "member", False, ""), "t")
    default = Settings()
    assert all(allowed(admin, action, default) for action in ("upload", "remove", "evaluate"))
    assert not any(allowed(member, action, default) for action in ("upload", "remove", "evaluate"))
    members_upload = default.changed(upload_roles=["admin", "member"])
    assert allowed(member, "upload", members_upload)
    assert not allowed(member, "remove", members_upload)


def test_with_accounts_the_app_shows_only_the_form(tmp_path, monkeypatch, cheap_password_hashing):
    """Through Streamlit's AppTest: the gate stops the run before any page (no model loads)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from testsupport.helpers import ROOT

    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path))
    Accounts.open(tmp_path).add("ann", "member", "ann-password-1")
    st.cache_resource.clear()  # settings and accounts are cached per process
    try:
        at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=60).run()
        assert not at.exception
        assert [t.value for t in at.title] == ["Sign in"] and not at.chat_input and not at.sidebar.button
        at.text_input[0].input("ann")
        at.text_input[1].input("not-her-password")
        at.button[0].click().run()
        assert [e.value for e in at.error] == ["Wrong user name or password."]
        assert [t.value for t in at.title] == ["Sign in"] and not at.chat_input
    finally:
        st.cache_resource.clear()

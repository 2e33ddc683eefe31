"""Accounts: password and key hashing, lockout, sessions, and the owner migration of saved chats."""

from __future__ import annotations

import sqlite3

import pytest

from qa import (
    LOCAL_OWNER,
    AccountError,
    Accounts,
    AccountSettings,
    ConversationStore,
    IndexDamaged,
    NotSignedIn,
    SignInLocked,
    Turn,
)
from qa.accounts import secrets
from testsupport.helpers import error_lines, run_cli

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(tmp_path, cheap_password_hashing) -> Accounts:
    return Accounts.open(tmp_path, AccountSettings(signin_max_failures=3, signin_lock_s=1, session_hours=1))


@pytest.mark.unit
def test_passwords_are_stored_as_argon2id_hashes_only(tmp_path):
    accounts = Accounts.open(tmp_path)  # the product's Argon2 parameters, not the tests' cheap ones
    user = accounts.add("ada", "admin", PASSWORD)
    stored = accounts.store.user(user_id=user.id)
    assert stored is not None and stored.password_hash.startswith("$argon2id$")
    assert not secrets.needs_rehash(stored.password_hash)
    # The unknown name's stand-in hash has the same parameters, so it costs as long to verify.
    assert not secrets.needs_rehash(secrets._DUMMY_HASH)
    assert stored.password_hash.split("$")[3] == secrets._DUMMY_HASH.split("$")[3]
    assert PASSWORD.encode() not in (tmp_path / "accounts.sqlite3").read_bytes()
    assert (tmp_path / "accounts.sqlite3").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "session.key").stat().st_mode & 0o777 == 0o600
    assert accounts.check_password("ada", PASSWORD) == user
    with pytest.raises(NotSignedIn, match="Wrong user name or password"):
        accounts.check_password("ada", PASSWORD + "x")
    with pytest.raises(NotSignedIn, match="Wrong user name or password"):  # same words for an unknown name
        accounts.check_password("nobody", PASSWORD)
    assert not secrets.password_matches(None, PASSWORD)


@pytest.mark.unit
def test_bad_account_input_is_one_clear_error(accounts):
    accounts.add("ada", "admin", PASSWORD)
    for name, role, password, message in [
        ("ada", "member", PASSWORD, "already exists"),
        ("ADA", "member", PASSWORD, "already exists"),
        ("bob", "member", "short", "at least 10"),
        ("bob", "owner", PASSWORD, "role 'owner'"),
        ("b o b", "member", PASSWORD, "without spaces"),
    ]:
        with pytest.raises(AccountError, match=message):
            accounts.add(name, role, password)
    assert [u.name for u in accounts.users()] == ["ada"]


@pytest.mark.unit
def test_repeated_failures_lock_the_name_then_it_unlocks(accounts, clock):
    accounts.add("ada", "admin", PASSWORD)
    for _ in range(3):
        with pytest.raises(NotSignedIn):
            accounts.check_password("ada", "wrong password!")
    with pytest.raises(SignInLocked, match="Too many failed sign-ins"):
        accounts.check_password("ada", PASSWORD)  # even the right password, while locked
    clock(1.1)
    assert accounts.check_password("ada", PASSWORD).name == "ada"
    record = accounts.store.user(name="ada")
    assert record is not None and record.failures == 0


@pytest.mark.unit
def test_api_keys_are_shown_once_stored_as_hashes_and_revocable(accounts, tmp_path):
    ada = accounts.add("ada", "admin", PASSWORD)
    new = accounts.create_key(ada, "laptop")
    assert new.key.startswith("qa_") and len(new.key) > 40
    assert new.key.split("_", 2)[2].encode() not in (tmp_path / "accounts.sqlite3").read_bytes()
    assert accounts.authenticate(new.key) == ada
    assert [k.label for k in accounts.keys(ada)] == ["laptop"]
    forged = new.key[:-4] + ("AAAA" if not new.key.endswith("AAAA") else "BBBB")
    for bad in (forged, "qa_unknown_secret", "qa_", "not a key"):
        with pytest.raises(NotSignedIn):
            accounts.authenticate(bad)
    accounts.revoke_key(new.info.id)
    with pytest.raises(NotSignedIn):
        accounts.authenticate(new.key)
    bob = accounts.add("bob", "member", PASSWORD)
    other = accounts.create_key(ada)
    with pytest.raises(AccountError):  # a member cannot revoke another person's key
        accounts.revoke_key(other.info.id, owner=bob)


@pytest.mark.unit
def test_sessions_are_signed_expire_and_end(tmp_path, cheap_password_hashing, clock):
    accounts = Accounts.open(tmp_path, AccountSettings(session_hours=0.0005))  # 1.8 s
    ada = accounts.add("ada", "admin", PASSWORD)
    signed = accounts.sign_in("ada", PASSWORD)
    assert accounts.authenticate(signed.token) == ada
    with pytest.raises(NotSignedIn):
        accounts.authenticate(signed.token[:-2] + "xx")  # tampered signature
    other_secret = Accounts.open(tmp_path, AccountSettings(session_secret="another secret"))
    with pytest.raises(NotSignedIn):
        other_secret.authenticate(signed.token)
    accounts.sign_out(signed.token)
    with pytest.raises(NotSignedIn):
        accounts.authenticate(signed.token)
    second = accounts.sign_in("ada", PASSWORD)
    assert accounts.authenticate(second.token) == ada
    clock(2.2)
    with pytest.raises(NotSignedIn):
        accounts.authenticate(second.token)


@pytest.mark.unit
def test_disabling_or_resetting_ends_sessions(accounts):
    accounts.add("bob", "member", PASSWORD)
    token = accounts.sign_in("bob", PASSWORD).token
    key = accounts.create_key(accounts.get("bob")).key
    accounts.reset_password("bob", "another long password")
    with pytest.raises(NotSignedIn):
        accounts.authenticate(token)
    accounts.disable("bob")
    for credential in (key, accounts.sign_in.__name__):
        with pytest.raises(NotSignedIn):
            accounts.authenticate(credential)
    with pytest.raises(NotSignedIn):
        accounts.sign_in("bob", "another long password")


OLD_SCHEMA = """
CREATE TABLE conversations (id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at TEXT NOT NULL,
                            updated_at TEXT NOT NULL);
CREATE TABLE turns (conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                    position INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT, error TEXT,
                    asked_at TEXT NOT NULL, PRIMARY KEY (conversation_id, position));
INSERT INTO conversations VALUES ('c1', 'First chat', '2026-01-01T00:00:00+00:00', '2026-01-02T00:00:00+00:00');
INSERT INTO conversations VALUES ('c2', 'Second chat', '2026-01-03T00:00:00+00:00', '2026-01-03T00:00:00+00:00');
INSERT INTO turns VALUES ('c1', 0, 'Who opened the office?', NULL, 'no index', '2026-01-01T00:00:00+00:00');
INSERT INTO turns VALUES ('c1', 1, 'When?', NULL, 'no index', '2026-01-01T00:01:00+00:00');
"""


def _old_store(path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)


@pytest.mark.unit
def test_chats_from_before_accounts_are_kept_and_owned_locally(tmp_path):
    path = tmp_path / "conversations.sqlite3"
    _old_store(path)
    store = ConversationStore(path)
    chats = store.list()
    assert [(c.id, c.title, c.turns, c.owner) for c in chats] == [
        ("c2", "Second chat", 0, LOCAL_OWNER),
        ("c1", "First chat", 2, LOCAL_OWNER),
    ]
    chat = store.load("c1")
    assert chat is not None and [t.question for t in chat.turns] == ["Who opened the office?", "When?"]
    mine = store.create(owner="u-bob")
    store.append(mine.id, Turn("Mine?", error="x"))
    assert store.adopt("u-ada") == 2
    assert [c.id for c in store.list(owner="u-ada")] == ["c2", "c1"]
    assert [c.id for c in store.list(owner="u-bob")] == [mine.id]
    assert store.load("c1", owner="u-bob") is None and store.load(mine.id, owner="u-ada") is None
    assert len(store.list()) == 3
    ConversationStore(path).list()  # a second migration run changes nothing
    assert [c.owner for c in ConversationStore(path).list(owner="u-ada")] == ["u-ada", "u-ada"]


@pytest.mark.integration
def test_the_first_admin_added_by_the_cli_takes_the_earlier_chats(tmp_path):
    _old_store(tmp_path / "conversations.sqlite3")
    added = run_cli("users", "add", "ada", "--role", "admin", "--index-dir", str(tmp_path), input_text=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "2 earlier chat(s) now belong to ada" in added.stdout
    assert PASSWORD not in added.stdout + added.stderr
    member = run_cli(
        "users", "add", "bob", "--role", "member", "--index-dir", str(tmp_path), input_text=PASSWORD + "\n"
    )
    assert member.returncode == 0 and "earlier chat" not in member.stdout
    ada = Accounts.open(tmp_path).get("ada")
    assert [c.id for c in ConversationStore(tmp_path / "conversations.sqlite3").list(owner=ada.id)] == ["c2", "c1"]
    short = run_cli("users", "add", "cy", "--role", "member", "--index-dir", str(tmp_path), input_text="short\n")
    assert short.returncode == 2 and short.stderr.strip().splitlines() == [
        "error: a password needs at least 10 characters"
    ]
    listed = run_cli("users", "list", "--index-dir", str(tmp_path))
    assert [line.split("\t")[:2] for line in listed.stdout.splitlines()] == [["ada", "admin"], ["bob", "member"]]


@pytest.mark.integration
def test_cli_keys_are_printed_once_listed_without_secret_and_revoked(tmp_path):
    assert (
        run_cli(
            "users", "add", "ada", "--role", "admin", "--index-dir", str(tmp_path), input_text=PASSWORD + "\n"
        ).returncode
        == 0
    )
    created = run_cli("users", "key", "create", "ada", "--label", "laptop", "--index-dir", str(tmp_path))
    key = created.stdout.strip()
    assert created.returncode == 0 and key.startswith("qa_") and "shown only now" in created.stderr
    listed = run_cli("users", "key", "list", "--index-dir", str(tmp_path))
    key_id = key.split("_")[1]
    assert listed.stdout.split("\t")[:4] == [key_id, "ada", "laptop", "active"] and key not in listed.stdout
    assert run_cli("users", "key", "revoke", key_id, "--index-dir", str(tmp_path)).returncode == 0
    with pytest.raises(NotSignedIn):
        Accounts.open(tmp_path).authenticate(key)
    disabled = run_cli("users", "disable", "ada", "--index-dir", str(tmp_path))
    assert disabled.stdout.strip() == "ada is disabled"
    unknown = run_cli("users", "disable", "nobody", "--index-dir", str(tmp_path))
    assert unknown.returncode == 2 and error_lines(unknown.stderr) == ["error: no user named 'nobody'"]


@pytest.mark.unit
def test_kept_open_reads_see_other_writers_and_a_replaced_file(tmp_path):
    """Key checks reuse a read connection per thread: a revocation or a disabled user written
    by another process (here another ``Accounts`` on the file) counts at once, and a replaced
    accounts file is read afresh, not through the old one's connection."""
    server, cli = Accounts.open(tmp_path), Accounts.open(tmp_path)
    ada = cli.add("ada", "admin", PASSWORD)
    first, second = cli.create_key(ada), cli.create_key(ada)
    assert server.authenticate(first.key) == ada
    cli.revoke_key(first.info.id)
    with pytest.raises(NotSignedIn):
        server.authenticate(first.key)
    assert server.authenticate(second.key) == ada
    cli.disable("ada")
    with pytest.raises(NotSignedIn):
        server.authenticate(second.key)
    path = tmp_path / "accounts.sqlite3"
    path.rename(tmp_path / "old.sqlite3")
    path.write_bytes((tmp_path / "old.sqlite3").read_bytes())  # the same rows in a new file
    cli.disable("ada", False)
    assert server.authenticate(second.key).name == "ada"
    path.write_bytes(b"not a database" * 100)  # damaged in place
    with pytest.raises(IndexDamaged, match="cannot be read"):
        server.authenticate(second.key)

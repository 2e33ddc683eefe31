"""Account policy over an ``AccountStore``: who may sign in, with what, for how long.

Sessions are signed, expiring tokens (itsdangerous) naming a session row, so signing out or
resetting a password ends them although the token itself is still well signed."""

from __future__ import annotations

import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from qa.accounts import secrets as hashing
from qa.accounts.store import AccountStore, ApiKeyInfo, SqliteAccountStore, User
from qa.errors import AccountError, NotSignedIn, SignInLocked
from qa.settings import AccountSettings, Role

logger = logging.getLogger(__name__)
ROLES: tuple[Role, ...] = ("admin", "member")
_SALT = "qa-session"


@dataclass(frozen=True)
class NewKey:
    """An API key just made: ``key`` is shown once and never stored."""

    key: str
    info: ApiKeyInfo


@dataclass(frozen=True)
class SignedIn:
    token: str
    user: User
    expires_at: float


def session_secret(settings: AccountSettings, beside: Path) -> str:
    """``QA_SESSION_SECRET``, else a key generated once into ``beside``/session.key (mode 0600)."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    path = beside / "session.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: two processes starting at once agree on one key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(48))
    logger.info("generated the session key %s", path)
    return path.read_text().strip()


class Accounts:
    """Users (admin or member), their API keys and sessions."""

    def __init__(self, store: AccountStore, settings: AccountSettings, secret: str) -> None:
        self.store = store
        self.settings = settings
        self._tokens = URLSafeTimedSerializer(secret, salt=_SALT)

    @classmethod
    def open(cls, index_dir: Path, settings: AccountSettings | None = None) -> Accounts:
        """The accounts kept beside the index (``QA_ACCOUNTS_PATH`` overrides where)."""
        settings = settings or AccountSettings()
        path = settings.accounts_file(index_dir)
        return cls(SqliteAccountStore(path), settings, session_secret(settings, path.parent))

    # --- users ------------------------------------------------------------------------------
    def add(self, name: str, role: Role, password: str) -> User:
        name = name.strip()
        if not name or len(name) > 64 or not name.isprintable() or any(c.isspace() for c in name):
            raise AccountError("a user name is 1 to 64 printable characters without spaces")
        if role not in ROLES:
            raise AccountError(f"role '{role}' is not one of {', '.join(ROLES)}")
        self._check_password(password)
        return self.store.add_user(name, role, hashing.hash_password(password))

    def users(self) -> list[User]:
        return self.store.users()

    def exist(self) -> bool:
        return bool(self.store.users())

    def get(self, name: str) -> User:
        record = self.store.user(name=name)
        if record is None:
            raise AccountError(f"no user named '{name}'")
        return record.user

    def first_admin(self) -> User | None:
        return next((u for u in self.store.users() if u.role == "admin"), None)

    def disable(self, name: str, disabled: bool = True) -> User:
        user = self.get(name)
        self.store.set_disabled(user.id, disabled)
        if disabled:
            self.store.end_sessions(user.id)
        return self.get(name)

    def reset_password(self, name: str, password: str) -> None:
        """A new password; every session of the user ends (keys stay: revoke them separately)."""
        self._check_password(password)
        user = self.get(name)
        self.store.set_password(user.id, hashing.hash_password(password))
        self.store.end_sessions(user.id)

    def _check_password(self, password: str) -> None:
        if len(password) < self.settings.min_password_chars:
            raise AccountError(f"a password needs at least {self.settings.min_password_chars} characters")

    # --- signing in -------------------------------------------------------------------------
    def check_password(self, name: str, password: str) -> User:
        """The user, if ``password`` is theirs and they may sign in; else ``NotSignedIn`` (the
        same message whatever was wrong, so names cannot be probed) or ``SignInLocked``."""
        record = self.store.user(name=name.strip())
        now = time.time()
        if record is not None and record.locked_until > now:
            raise SignInLocked(f"Too many failed sign-ins: try again in {int(record.locked_until - now) + 1} s.")
        matches = hashing.password_matches(record.password_hash if record else None, password)
        if record is None or not matches or record.user.disabled:
            if record is not None and not matches:
                failures = self.store.record_failure(
                    record.user.id, self.settings.signin_max_failures, now + self.settings.signin_lock_s
                )
                logger.warning("failed sign-in for %r (%d in a row)", record.user.name, failures)
            raise NotSignedIn("Wrong user name or password.")
        if record.failures:
            self.store.clear_failures(record.user.id)
        if hashing.needs_rehash(record.password_hash):
            self.store.set_password(record.user.id, hashing.hash_password(password))
        return record.user

    def sign_in(self, name: str, password: str) -> SignedIn:
        user = self.check_password(name, password)
        expires_at = time.time() + self.settings.session_hours * 3600
        session = self.store.add_session(user.id, expires_at)
        return SignedIn(self._tokens.dumps({"s": session.id}), user, expires_at)

    def sign_out(self, token: str) -> None:
        session_id = self._session_id(token)
        record = self.store.session(session_id) if session_id else None
        if record is not None:
            self.store.end_sessions(record.user_id, record.id)

    def _session_id(self, token: str) -> str | None:
        try:
            data = self._tokens.loads(token, max_age=int(self.settings.session_hours * 3600))
        except BadSignature:  # includes SignatureExpired
            return None
        return data.get("s") if isinstance(data, dict) else None

    def authenticate(self, credential: str) -> User:
        """The user an API key or session token belongs to; ``NotSignedIn`` if it is unknown,
        revoked, expired, ended, or its user is disabled."""
        user = self._key_user(credential) if hashing.split_api_key(credential) else self._session_user(credential)
        if user is None or user.disabled:
            raise NotSignedIn("Sign in again: the key or session is not valid (revoked, expired or unknown).")
        return user

    def _key_user(self, key: str) -> User | None:
        parts = hashing.split_api_key(key)
        found = self.store.key(parts[0]) if parts else None
        if parts is None or found is None:
            return None
        info, digest = found
        if info.revoked or not hashing.digests_match(digest, parts[1]):
            return None
        record = self.store.user(user_id=info.user_id)
        return record.user if record else None

    def _session_user(self, token: str) -> User | None:
        session_id = self._session_id(token)
        record = self.store.session(session_id) if session_id else None
        if record is None or record.ended or record.expires_at < time.time():
            return None
        found = self.store.user(user_id=record.user_id)
        return found.user if found else None

    # --- API keys ---------------------------------------------------------------------------
    def create_key(self, user: User, label: str = "") -> NewKey:
        if self.store.user(user_id=user.id) is None:
            raise AccountError("API keys belong to accounts: add one with `python -m qa users add NAME --role admin`")
        key, key_id, digest = hashing.new_api_key()
        return NewKey(key, self.store.add_key(user.id, key_id, digest, label.strip()[:80] or "key"))

    def keys(self, user: User | None = None) -> list[ApiKeyInfo]:
        """``user``'s keys, or everyone's."""
        return self.store.keys(user.id if user else None)

    def revoke_key(self, key_id: str, owner: User | None = None) -> None:
        """Revoke a key (only among ``owner``'s, when given)."""
        found = self.store.key(key_id)
        if found is None or (owner is not None and found[0].user_id != owner.id):
            raise AccountError(f"no API key '{key_id}'")
        self.store.revoke_key(key_id)

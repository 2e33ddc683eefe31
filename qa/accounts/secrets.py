"""Hashes of passwords and API keys; nothing secret is stored in the clear.

Passwords: Argon2id (argon2-cffi, its default parameters, RFC 9106's low-memory profile), whose
verify compares in constant time. API keys are 256 random bits, so one SHA-256 suffices (no
stretching is needed against guessing) and is compared with ``hmac.compare_digest``."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

KEY_PREFIX = "qa_"
_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
# The hash of a random password nobody kept, with the hasher's parameters (a unit test checks that
# they still match): a constant, so importing qa does not spend a whole Argon2 hash (about 0.3-1 s
# here) in every process.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$0dBNl+3KuRovYh8ShCgz7w$VcZu8q3dUXX1QratIbjYHd+BLYCzuxJi6vVY8ktoTtM"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def new_api_key() -> tuple[str, str, str]:
    """(key shown once to its owner, key id kept in the clear to find the row, hash of the secret part)."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return f"{KEY_PREFIX}{key_id}_{secret}", key_id, key_digest(secret)


def split_api_key(key: str) -> tuple[str, str] | None:
    """(key id, secret part) of a key this module made, else None."""
    if not key.startswith(KEY_PREFIX):
        return None
    key_id, sep, secret = key[len(KEY_PREFIX) :].partition("_")
    return (key_id, secret) if sep and key_id and secret else None


def key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def digests_match(stored: str, secret: str) -> bool:
    return hmac.compare_digest(stored, key_digest(secret))

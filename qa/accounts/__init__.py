"""Users with roles, their API keys and sessions (hashes only), behind one store interface."""

from qa.accounts.accounts import ROLES, Accounts, NewKey, SignedIn
from qa.accounts.store import AccountStore, ApiKeyInfo, SqliteAccountStore, User

__all__ = ["ROLES", "AccountStore", "Accounts", "ApiKeyInfo", "NewKey", "SignedIn", "SqliteAccountStore", "User"]

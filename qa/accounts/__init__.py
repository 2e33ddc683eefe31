"""Users with roles, their API keys and sessions (hashes only), behind one store interface."""

from qa.accounts.accounts import ROLES, Accounts, NewKey, SignedIn
from qa.accounts.store import AccountStore, ApiKeyInfo, SqliteAccountStore, User
from qa.settings import AccountSettings, Role, ServerSettings

__all__ = ["ROLES", "AccountSettings", "AccountStore", "Accounts", "ApiKeyInfo", "NewKey", "Role", "ServerSettings",
           "SignedIn", "SqliteAccountStore", "User"]

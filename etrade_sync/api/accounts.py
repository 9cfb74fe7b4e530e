"""
etrade_sync.api.accounts
~~~~~~~~~~~~~~~~~~~~~~~~

This module provides ``client.accounts``: account list, balances, portfolio and
transactions.
"""

from __future__ import annotations

from ..models.accounts import Account
from ..models.base import as_list, dig
from .base import Resource

__all__ = ["AccountsAPI"]


class AccountsAPI(Resource):
    """``client.accounts``."""

    category = "accounts"

    def list(self) -> list[Account]:
        """Every account of the user, open and closed (see :attr:`Account.is_closed`)."""
        data = self._get("/v1/accounts/list", "accounts.list")
        rows = as_list(dig(data, "AccountListResponse", "Accounts", "Account"))
        return [Account.from_api(row) for row in rows if isinstance(row, dict)]

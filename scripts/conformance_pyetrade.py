"""Drive pyetrade against a running simulator; one JSON line per call on stdout.

Run by ``scripts/conformance.py`` with the Python of a separate virtual environment
that has pyetrade installed: this file is the only one that imports pyetrade, and it
is never imported by etrade_sync. pyetrade's classes are used exactly as published;
only their E*TRADE host URLs are pointed at the simulator (its attributes
``req_token_url``, ``base_url`` and so on), as a user would for a proxy.

Usage: python conformance_pyetrade.py SIM_URL CONSUMER_KEY CONSUMER_SECRET
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import traceback
from typing import Any

import requests
from conformance_checks import _has, _true, as_list, check, emit
from conformance_pyetrade_orders import run_orders
from pyetrade import (  # type: ignore[import-not-found]
    ETradeAccessManager,
    ETradeAccounts,
    ETradeAlerts,
    ETradeMarket,
    ETradeOAuth,
    ETradeOrder,
)


def login(url: str, key: str, secret: str) -> tuple[str, str] | None:
    oauth = ETradeOAuth(key, secret)
    oauth.req_token_url = f"{url}/oauth/request_token"
    oauth.auth_token_url = f"{url}/e/t/etws/authorize"
    oauth.access_token_url = f"{url}/oauth/access_token"
    authorize_url = check(
        "ETradeOAuth.get_request_token",
        "form",
        oauth.get_request_token,
        lambda u: None if "token=" in u else "no token in the authorize URL",
    )
    if authorize_url is None:
        return None
    # The user's browser: the simulator's login page approves at once and shows the code.
    page = requests.get(authorize_url, timeout=10)
    match = re.search(r'<code id="verifier">([A-Za-z0-9]+)</code>', page.text)
    emit(
        "authorize page (raw token in the URL)",
        "html",
        "pass" if match else "fail",
        "" if match else f"HTTP {page.status_code}: {page.text[:200]}",
    )
    if not match:
        return None
    tokens = check(
        "ETradeOAuth.get_access_token",
        "form",
        lambda: oauth.get_access_token(match.group(1)),
        lambda t: None if t.get("oauth_token") else "no oauth_token",
    )
    if tokens is None:
        return None
    return tokens["oauth_token"], tokens["oauth_token_secret"]


def run(url: str, key: str, secret: str) -> None:
    tokens = login(url, key, secret)
    if tokens is None:
        return
    token, token_secret = tokens
    manager = ETradeAccessManager(key, secret, token, token_secret)
    manager.renew_access_token_url = f"{url}/oauth/renew_access_token"
    manager.revoke_access_token_url = f"{url}/oauth/revoke_access_token"
    check("ETradeAccessManager.renew_access_token", "text", manager.renew_access_token, _true)

    creds = (key, secret, token, token_secret)
    accounts = ETradeAccounts(*creds, dev=False)
    accounts.base_url = f"{url}/v1/accounts"
    market = ETradeMarket(*creds, dev=False)
    market.base_url = f"{url}/v1/market/"
    orders = ETradeOrder(*creds, dev=False)
    orders.base_url = f"{url}/v1/accounts"
    alerts = ETradeAlerts(*creds, dev=False)
    alerts.base_url = f"{url}/v1/user/alerts"

    account_key = run_accounts(accounts)
    run_market(market)
    if account_key:
        run_orders(orders, market, account_key)
    run_alerts(alerts)
    check("ETradeAccessManager.revoke_access_token", "text", manager.revoke_access_token, _true)


def run_accounts(accounts: Any) -> str | None:
    listed = check(
        "ETradeAccounts.list_accounts",
        "json",
        lambda: accounts.list_accounts(resp_format="json"),
        _has("AccountListResponse", "Accounts", "Account"),
    )
    check(
        "ETradeAccounts.list_accounts",
        "xml",
        lambda: accounts.list_accounts(resp_format="xml"),
        _has("AccountListResponse", "Accounts", "Account"),
    )
    if listed is None:
        return None
    rows = as_list(listed["AccountListResponse"]["Accounts"]["Account"])
    margin = [
        r for r in rows if r.get("accountMode") == "MARGIN" and r.get("accountStatus") != "CLOSED"
    ]
    key = str((margin or rows)[0]["accountIdKey"])
    for fmt in ("json", "xml"):
        check(
            "ETradeAccounts.get_account_balance",
            fmt,
            lambda f=fmt: accounts.get_account_balance(key, resp_format=f),
            _has("BalanceResponse", "Computed"),
        )
    portfolio: Any = None
    for fmt in ("json", "xml"):
        answer = check(
            "ETradeAccounts.get_account_portfolio",
            fmt,
            lambda f=fmt: accounts.get_account_portfolio(key, resp_format=f),
            _has("PortfolioResponse", "AccountPortfolio", "Position"),
        )
        portfolio = portfolio or (answer if fmt == "json" else None)
    if portfolio:
        positions = as_list(portfolio["PortfolioResponse"]["AccountPortfolio"][0]["Position"])
        symbol = next(
            p["Product"]["symbol"] for p in positions if p["Product"]["securityType"] == "EQ"
        )
        for fmt in ("json", "xml"):
            check(
                "ETradeAccounts.get_portfolio_position_lot",
                fmt,
                lambda f=fmt: accounts.get_portfolio_position_lot(symbol, key, resp_format=f),
                _has("PositionLotsResponse", "PositionLot"),
            )
    listed_txns: Any = None
    for fmt in ("json", "xml"):
        answer = check(
            "ETradeAccounts.list_transactions",
            fmt,
            lambda f=fmt: accounts.list_transactions(key, resp_format=f),
            _has("TransactionListResponse", "Transaction"),
        )
        listed_txns = listed_txns or (answer if fmt == "json" else None)
    if listed_txns:
        body = listed_txns["TransactionListResponse"]
        if body.get("marker"):
            check(
                "ETradeAccounts.list_transactions (next page by marker)",
                "json",
                lambda: accounts.list_transactions(key, marker=body["marker"], resp_format="json"),
                _has("TransactionListResponse", "Transaction"),
            )
        tid = as_list(body["Transaction"])[0]["transactionId"]
        for fmt in ("json", "xml"):
            check(
                "ETradeAccounts.list_transaction_details",
                fmt,
                lambda f=fmt: accounts.list_transaction_details(key, tid, resp_format=f),
                _has("TransactionDetailsResponse", "transactionId"),
            )
    return key


def run_market(market: Any) -> None:
    for fmt in ("json", "xml"):
        check(
            "ETradeMarket.look_up_product",
            fmt,
            lambda f=fmt: market.look_up_product("International", resp_format=f),
            _has("LookupResponse", "Data"),
        )
    flags = (None, "fundamental", "intraday", "options", "week_52", "all")
    blocks = {
        None: "All",
        "all": "All",
        "fundamental": "Fundamental",
        "intraday": "Intraday",
        "options": "Option",
        "week_52": "Week52",
    }
    for flag in flags:
        for fmt in ("json", "xml"):
            check(
                f"ETradeMarket.get_quote detail_flag={flag}",
                fmt,
                lambda f=fmt, d=flag: market.get_quote(
                    ["IBM", "MSFT"], detail_flag=d, resp_format=f
                ),
                _has("QuoteResponse", "QuoteData", blocks[flag]),
            )
    expiry: dt.date | None = None
    for fmt in ("json", "xml"):
        answer = check(
            "ETradeMarket.get_option_expire_date",
            fmt,
            lambda f=fmt: market.get_option_expire_date("IBM", resp_format=f),
            _has("OptionExpireDateResponse", "ExpirationDate"),
        )
        if answer and fmt == "json":
            first = as_list(answer["OptionExpireDateResponse"]["ExpirationDate"])[0]
            expiry = dt.date(int(first["year"]), int(first["month"]), int(first["day"]))
    if expiry is not None:
        for fmt in ("json", "xml"):
            check(
                "ETradeMarket.get_option_chains",
                fmt,
                lambda f=fmt: market.get_option_chains("IBM", expiry, resp_format=f),
                _has("OptionChainResponse", "OptionPair"),
            )


def run_alerts(alerts: Any) -> None:
    listed = check(
        "ETradeAlerts.list_alerts",
        "json",
        lambda: alerts.list_alerts(resp_format="json"),
        _has("AlertsResponse", "Alert"),
    )
    check(
        "ETradeAlerts.list_alerts",
        "xml",
        lambda: alerts.list_alerts(resp_format="xml"),
        _has("AlertsResponse", "Alert"),
    )
    if listed is None:
        return
    ids = [int(a["id"]) for a in as_list(listed["AlertsResponse"]["Alert"])]
    for fmt in ("json", "xml"):
        check(
            "ETradeAlerts.list_alert_details",
            fmt,
            lambda f=fmt: alerts.list_alert_details(ids[0], resp_format=f),
            _has("AlertDetailsResponse", "id"),
        )
    for fmt, alert_id in zip(("json", "xml"), ids[-2:], strict=False):
        check(
            "ETradeAlerts.delete_alert",
            fmt,
            lambda f=fmt, a=alert_id: alerts.delete_alert(a, resp_format=f),
            _has("AlertsResponse", "result"),
        )


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        run(argv[1], argv[2], argv[3])
    except Exception:
        emit("driver", "-", "fail", traceback.format_exc()[-300:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

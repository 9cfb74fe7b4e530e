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
import json
import re
import sys
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import requests
from pyetrade import (  # type: ignore[import-not-found]
    ETradeAccessManager,
    ETradeAccounts,
    ETradeAlerts,
    ETradeMarket,
    ETradeOAuth,
    ETradeOrder,
)

QUIRK = "quirk"


def emit(call: str, fmt: str, result: str, detail: str = "") -> None:
    line = {"call": call, "format": fmt, "result": result, "detail": detail}
    print(json.dumps(line), flush=True)


def check(call: str, fmt: str, fn: Callable[[], Any], verify: Callable[[Any], Any]) -> Any:
    """Run one pyetrade call; pass if it returns and ``verify`` accepts the answer."""
    try:
        answer = fn()
    except Exception as exc:  # report every failure as a row, never stop the run
        emit(call, fmt, "fail", f"{type(exc).__name__}: {exc}"[:300])
        return None
    try:
        problem = verify(answer)
    except Exception as exc:
        problem = f"unexpected answer shape: {type(exc).__name__}: {exc}"
    if problem:
        emit(call, fmt, "fail", str(problem)[:300])
        return None
    emit(call, fmt, "pass")
    return answer


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def client_order_id() -> str:
    return uuid.uuid4().hex[:12]


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


def _true(answer: Any) -> str | None:
    return None if answer is True else f"expected True, got {answer!r}"


def _has(*path: str) -> Callable[[Any], str | None]:
    def verify(answer: Any) -> str | None:
        node = answer
        for part in path:
            if isinstance(node, list):
                node = node[0]
            if not isinstance(node, dict) or part not in node:
                return f"missing {'/'.join(path)}"
            node = node[part]
        return None

    return verify


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


def equity(account_key: str, **extra: Any) -> dict[str, Any]:
    order = {
        "accountIdKey": account_key,
        "symbol": "IBM",
        "orderAction": "BUY",
        "clientOrderId": client_order_id(),
        "priceType": "LIMIT",
        "limitPrice": 1.0,
        "quantity": 2,
        "orderTerm": "GOOD_UNTIL_CANCEL",
        "marketSession": "REGULAR",
    }
    order.update(extra)
    return order


def _order_id(answer: Any) -> int:
    return int(as_list(answer["PlaceOrderResponse"]["OrderIds"])[0]["orderId"])


def run_orders(orders: Any, market: Any, key: str) -> None:
    order = equity(key)
    preview = check(
        "ETradeOrder.preview_equity_order",
        "xml",
        lambda: orders.preview_equity_order(**order),
        _has("PreviewOrderResponse", "PreviewIds", "previewId"),
    )
    placed: Any = None
    if preview is not None:
        preview_id = as_list(preview["PreviewOrderResponse"]["PreviewIds"])[0]["previewId"]
        placed = check(
            "ETradeOrder.place_equity_order (with previewId)",
            "xml",
            lambda: orders.place_equity_order(**order, previewId=preview_id),
            _has("PlaceOrderResponse", "OrderIds", "orderId"),
        )
    check(
        "ETradeOrder.place_equity_order (previews first)",
        "xml",
        lambda: orders.place_equity_order(**equity(key, limitPrice=1.5)),
        _has("PlaceOrderResponse", "OrderIds", "orderId"),
    )
    for fmt in ("json", "xml"):
        check(
            "ETradeOrder.list_orders",
            fmt,
            lambda f=fmt: orders.list_orders(key, resp_format=f),
            _has("OrdersResponse", "Order"),
        )
    if placed is None:
        return
    order_id = _order_id(placed)
    for fmt in ("json", "xml"):
        check(
            "ETradeOrder.list_order_details",
            fmt,
            lambda f=fmt: orders.list_order_details(key, order_id, resp_format=f),
            _has("OrdersResponse", "Order"),
        )
    changed = equity(key, limitPrice=1.25, clientOrderId=client_order_id())
    change_preview = check(
        "ETradeOrder.change_preview_equity_order",
        "xml",
        lambda: orders.change_preview_equity_order(key, order_id, **changed),
        _has("PreviewOrderResponse", "PreviewIds", "previewId"),
    )
    new_id = order_id
    if change_preview is not None:
        pid = as_list(change_preview["PreviewOrderResponse"]["PreviewIds"])[0]["previewId"]
        replaced = check(
            "ETradeOrder.place_changed_equity_order",
            "xml",
            lambda: orders.place_changed_equity_order(**changed, orderId=order_id, previewId=pid),
            _has("PlaceOrderResponse", "OrderIds", "orderId"),
        )
        if replaced is not None:
            new_id = _order_id(replaced)
    cancel_json(orders, key, new_id)
    other = check(
        "ETradeOrder.place_equity_order (for an XML cancel)",
        "xml",
        lambda: orders.place_equity_order(**equity(key, limitPrice=1.1)),
        _has("PlaceOrderResponse", "OrderIds", "orderId"),
    )
    if other is not None:
        check(
            "ETradeOrder.cancel_order",
            "xml",
            lambda: orders.cancel_order(key, _order_id(other), resp_format="xml"),
            _has("CancelOrderResponse", "orderId"),
        )
    run_option_order(orders, market, key)
    empty_order_list(orders, key)


def cancel_json(orders: Any, key: str, order_id: int) -> None:
    """pyetrade's JSON cancel PUTs a JSON body to ``orders/cancel`` (no ``.json``)."""
    call = "ETradeOrder.cancel_order"
    try:
        answer = orders.cancel_order(key, order_id, resp_format="json")
    except ValueError as exc:  # requests' JSONDecodeError is a ValueError
        emit(
            call,
            "json",
            QUIRK,
            "E*TRADE answers a URL without .json in XML (pyetrade issues 21 and 43); "
            f"pyetrade decodes it as JSON: {exc}"[:300],
        )
    else:
        emit(call, "json", "pass" if "CancelOrderResponse" in answer else "fail", str(answer)[:200])
    check(
        "ETradeOrder.list_order_details (the cancel took effect)",
        "json",
        lambda: orders.list_order_details(key, order_id, resp_format="json"),
        lambda a: (
            None
            if as_list(a["OrdersResponse"]["Order"])[0]["OrderDetail"][0]["status"] == "CANCELLED"
            else "order not cancelled"
        ),
    )


def run_option_order(orders: Any, market: Any, key: str) -> None:
    try:
        dates = market.get_option_expire_date("IBM", resp_format="json")
        first = as_list(dates["OptionExpireDateResponse"]["ExpirationDate"])[0]
        expiry = dt.date(int(first["year"]), int(first["month"]), int(first["day"]))
        chain = market.get_option_chains("IBM", expiry, resp_format="json")
        pair = as_list(chain["OptionChainResponse"]["OptionPair"])[0]
        strike = float(pair["Call"]["strikePrice"])
    except Exception as exc:
        emit("ETradeOrder.place_option_order", "xml", "fail", f"no option to trade: {exc}")
        return
    check(
        "ETradeOrder.place_option_order",
        "xml",
        lambda: orders.place_option_order(
            **equity(
                key,
                orderAction="BUY_OPEN",
                callPut="CALL",
                expiryDate=expiry.isoformat(),
                strikePrice=strike,
                limitPrice=0.05,
                quantity=1,
            )
        ),
        _has("PlaceOrderResponse", "OrderIds", "orderId"),
    )


def empty_order_list(orders: Any, key: str) -> None:
    """E*TRADE answers an empty order list with 204; pyetrade's XML path cannot parse it."""
    since = dt.datetime(2000, 1, 3)
    try:
        orders.list_orders(key, from_date=since, to_date=since, resp_format="xml")
    except Exception as exc:
        emit(
            "ETradeOrder.list_orders (no orders: HTTP 204)",
            "xml",
            QUIRK,
            f"E*TRADE's empty answer is a 204; pyetrade parses its empty XML body: {exc}"[:300],
        )
        return
    emit("ETradeOrder.list_orders (no orders: HTTP 204)", "xml", "pass")


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

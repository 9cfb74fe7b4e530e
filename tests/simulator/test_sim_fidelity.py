"""Shapes and behaviours the simulator takes from production (README: evidence list)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import requests
from requests_oauthlib import OAuth1

from etrade_sync.simulator import Simulator
from etrade_sync.simulator.testing import error_of

PLACE_KEYS = {
    "orderType",
    "dstFlag",
    "optionLevelCd",
    "marginLevelCd",
    "placedTime",
    "accountId",
    "Order",
    "OrderIds",
}


def _request_token(sim: Simulator) -> dict[str, str]:
    auth = OAuth1(sim.consumer_key, sim.consumer_secret, callback_uri="oob")
    response = requests.get(f"{sim.url}/oauth/request_token", auth=auth, timeout=10)
    assert response.status_code == 200, response.text
    return dict(parse_qsl(response.text))


def test_authorize_page_accepts_the_raw_token_as_etrades_sample_sends_it(
    sim: Simulator,
) -> None:
    accepted = 0
    for _ in range(40):
        token = _request_token(sim)["oauth_token"]
        if "+" not in token:
            continue
        # E*TRADE's sample formats the URL with the token unencoded: "+" becomes a space.
        url = f"{sim.authorize_url}?key={sim.consumer_key}&token={token}"
        page = requests.get(url, timeout=10)
        assert page.status_code == 200, page.text
        assert re.search(r'<code id="verifier">[A-Z0-9]{5}</code>', page.text)
        accepted += 1
    assert accepted >= 5


def test_lower_case_detailflag_is_read_like_detail_flag(api: Any) -> None:
    lower = api.ok("/v1/market/quote/IBM.json", detailflag="INTRADAY")
    documented = api.ok("/v1/market/quote/IBM.json", detailFlag="INTRADAY")
    for body in (lower, documented):
        (quote,) = body["QuoteResponse"]["QuoteData"]
        assert "Intraday" in quote and "All" not in quote


def test_equity_positions_carry_production_product_fields(api: Any, margin_key: str) -> None:
    body = api.ok(f"/v1/accounts/{margin_key}/portfolio.json")
    positions = body["PortfolioResponse"]["AccountPortfolio"][0]["Position"]
    equities = [p["Product"] for p in positions if p["Product"]["securityType"] == "EQ"]
    assert equities
    for product in equities:
        assert (product["expiryYear"], product["expiryMonth"], product["expiryDay"]) == (0, 0, 0)
        assert product["strikePrice"] == 0


def test_balance_carries_quote_mode(api: Any, margin_key: str) -> None:
    body = api.ok(f"/v1/accounts/{margin_key}/balance.json", instType="BROKERAGE")
    assert "quoteMode" in body["BalanceResponse"]


def test_transactions_refuse_marker_and_page_marker_together(api: Any, margin_key: str) -> None:
    response = api.get(f"/v1/accounts/{margin_key}/transactions.json", marker="x_1", pageMarker="y")
    assert response.status_code == 400 and error_of(response.text)[0] == 2008
    row = api.ok(f"/v1/accounts/{margin_key}/transactions.json", count=1)[
        "TransactionListResponse"
    ]["Transaction"][0]
    assert row["memo"] == " " and row["imageFlag"] is False


def _order(client_id: str) -> dict[str, Any]:
    return {
        "orderType": "EQ",
        "clientOrderId": client_id,
        "Order": [
            {
                "allOrNone": "false",
                "priceType": "LIMIT",
                "orderTerm": "GOOD_FOR_DAY",
                "marketSession": "REGULAR",
                "limitPrice": "1.00",
                "Instrument": [
                    {
                        "Product": {"securityType": "EQ", "symbol": "IBM"},
                        "orderAction": "BUY",
                        "quantityType": "QUANTITY",
                        "quantity": "2",
                    }
                ],
            }
        ],
    }


def test_preview_and_place_answers_have_production_fields(api: Any, margin_key: str) -> None:
    base = f"/v1/accounts/{margin_key}/orders"
    order = _order("fid1")
    preview = api.post(f"{base}/preview.json", {"PreviewOrderRequest": order}).json()
    body = preview["PreviewOrderResponse"]
    settled = body["cashBpDetails"]["settled"]
    assert {"currentBp", "currentOor", "currentNetBp", "currentOrderImpact", "netBp"} <= set(
        settled
    )
    assert "currentBp" in body["cashBpDetails"]["settledUnsettled"]
    assert set(body["Disclosure"]) == {
        "ehDisclosureFlag",
        "ahDisclosureFlag",
        "conditionalDisclosureFlag",
        "aoDisclosureFlag",
    }
    ids = body["PreviewIds"]
    placed = api.post(f"{base}/place.json", {"PlaceOrderRequest": {**order, "PreviewIds": ids}})
    assert placed.status_code == 200, placed.text
    assert set(placed.json()["PlaceOrderResponse"]) == PLACE_KEYS

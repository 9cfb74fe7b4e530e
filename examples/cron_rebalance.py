"""Rebalance one account toward target weights: a cron job with the README's exit codes.

    python examples/cron_rebalance.py --target AAPL=0.5 --target MSFT=0.5 [--account KEY]
    [--place]

It reads the portfolio, the balance and quotes, works out the whole shares to buy or
sell, previews each order, and places them only with ``--place``. Exit codes, as the
command line uses them: 0 done, 1 E*TRADE or network error, 2 bad usage, 3 login
required, 4 throttled, 5 an order's outcome is unknown (run ``etrade-sync resolve``).
"""

from __future__ import annotations

import argparse
import sys
from decimal import ROUND_DOWN, Decimal

import etrade_sync
from etrade_sync.errors import (
    ETradeError,
    LoginRequiredError,
    OrderOutcomeUnknownError,
    RateLimitError,
)


def parse_targets(pairs: list[str]) -> dict[str, Decimal]:
    targets: dict[str, Decimal] = {}
    for pair in pairs:
        symbol, _, weight = pair.partition("=")
        targets[symbol.strip().upper()] = Decimal(weight)
    if sum(targets.values()) > 1:
        raise ValueError("target weights add up to more than 1")
    return targets


def rebalance(
    client: etrade_sync.Client, key: str, targets: dict[str, Decimal], place: bool
) -> None:
    holdings = {p.symbol: p.quantity or Decimal(0) for p in client.accounts.portfolio(key)}
    balance = client.accounts.balance(key, fresh=True)
    quotes = client.market.quotes(sorted(set(targets) | set(holdings)), fresh=True)
    invested = sum(
        ((quotes[s].last or Decimal(0)) * q for s, q in holdings.items() if s in quotes),
        Decimal(0),
    )
    total = invested + (balance.cash_available_for_investment or Decimal(0))
    print(f"account value {total:.2f}")
    for symbol, weight in sorted(targets.items()):
        price = quotes[symbol].last
        if not price:
            print(f"{symbol}: no price, skipped")
            continue
        want = (total * weight / price).quantize(Decimal(1), rounding=ROUND_DOWN)
        delta = want - holdings.get(symbol, Decimal(0))
        if delta == 0:
            print(f"{symbol}: on target")
            continue
        action = "BUY" if delta > 0 else "SELL"
        order = etrade_sync.EquityOrder(symbol, action, int(abs(delta)))
        preview = client.orders.preview(key, order)
        print(f"{symbol}: {action} {abs(delta)} (estimated {preview.total_order_value})")
        if place:
            placed = client.orders.place(key, preview)
            print(f"{symbol}: placed order {placed.order_id}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", action="append", required=True, metavar="SYMBOL=WEIGHT")
    parser.add_argument("--account", help="accountIdKey (default: the first open account)")
    parser.add_argument("--place", action="store_true", help="place the orders")
    args = parser.parse_args(argv)
    try:
        targets = parse_targets(args.target)
    except (ValueError, ArithmeticError) as exc:
        print(f"bad --target: {exc}", file=sys.stderr)
        return 2
    try:
        with etrade_sync.Client.from_env() as client:
            key = args.account or next(
                a.account_id_key for a in client.accounts.list() if not a.is_closed
            )
            rebalance(client, key, targets, args.place)
    except LoginRequiredError as exc:
        print(exc, file=sys.stderr)
        return 3
    except OrderOutcomeUnknownError as exc:
        print(exc, file=sys.stderr)
        return 5
    except RateLimitError as exc:
        print(exc, file=sys.stderr)
        return 4
    except ETradeError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

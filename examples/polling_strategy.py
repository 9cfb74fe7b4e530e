"""A polling strategy loop: a moving-average signal on live quotes, paced under the limits.

    python examples/polling_strategy.py AAPL --every 5 --window 6 [--polls 100]

Each poll comes from ``client.market.watch``, which keeps the pace under E*TRADE's
market limit and shares the budget with anything else the process does. The signal is
printed, never traded: wire ``client.orders`` in where it says so. Ctrl-C stops the loop
and the summary still prints.
"""

from __future__ import annotations

import argparse
import sys
from collections import deque
from decimal import Decimal

import etrade_sync
from etrade_sync.errors import ETradeError, LoginRequiredError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("symbol")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between polls")
    parser.add_argument("--window", type=int, default=6, help="polls in the moving average")
    parser.add_argument("--polls", type=int, default=None, help="stop after this many polls")
    args = parser.parse_args(argv)
    prices: deque[Decimal] = deque(maxlen=args.window)
    signals = 0
    try:
        with etrade_sync.Client.from_env() as client:
            watch = client.market.watch([args.symbol], every=args.every, max_polls=args.polls)
            for quotes in watch:
                quote = quotes.get(args.symbol.upper())
                if quote is None or quote.last is None:
                    continue
                prices.append(quote.last)
                average = sum(prices) / len(prices)
                side = "above" if quote.last > average else "at or below"
                if len(prices) == args.window and quote.last > average:
                    signals += 1  # a real strategy would preview and place here
                print(f"{quote.symbol} {quote.last} {side} its {len(prices)}-poll average")
            print(f"{watch.polls} polls, {signals} signals")
    except LoginRequiredError as exc:
        print(exc, file=sys.stderr)
        return 3
    except ETradeError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Property: a builder either makes a body the simulator accepts at preview, or raises
ValidationError naming one of its own arguments. Never anything else.

Each example starts from a plausible order and, half of the time, spoils one argument
with junk, so both outcomes are exercised (``--hypothesis-show-statistics`` shows the
split).
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from etrade_sync import (
    EquityOrder,
    OptionOrder,
    OptionSymbol,
    butterfly,
    iron_condor,
    straddle,
    strangle,
    vertical_spread,
)
from etrade_sync.builders.common import EQUITY_PRICE_TYPES, OPTION_PRICE_TYPES, ORDER_TERMS
from etrade_sync.client import Client
from etrade_sync.errors import ValidationError

EXAMPLES = settings(max_examples=80, deadline=None)
TODAY = dt.date.today()

# Tickers the simulator quotes at moderate prices, so buying power never decides.
TICKERS = ["AAPL", "MSFT", "IBM", "KO", "INTC", "CSCO", "BAC"]
DAY_TERMS = ["GOOD_FOR_DAY", "GOOD_UNTIL_CANCEL"]

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=6),
    st.text(max_size=8),
    # No SELL or BUY_TO_COVER: whether those are allowed depends on the holdings.
    st.sampled_from(["", "BUY", "SELL_OPEN", "LIMIT", "MARKET", "CALL", "0", "1.005", "NET_DEBIT"]),
)
cents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000"), places=2)
sub_penny = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.9999"), places=4)
premiums = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("30"), places=2)


# Whether a well-formed ticker exists is the market's business, not the builder's: junk
# for a symbol is never a well-formed ticker (the simulator would refuse an unknown one).
TICKER_SHAPE = re.compile(r"\s*[A-Za-z][A-Za-z0-9./-]*\s*")
symbol_junk = junk.filter(lambda v: not (isinstance(v, str) and TICKER_SHAPE.fullmatch(v)))


def spoil(draw: st.DrawFn, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Replace one argument with junk, half of the time."""
    fields = [name for name in kwargs if name != "kind"]
    field = draw(st.sampled_from([*([None] * len(fields)), *fields]))
    if field in {"symbol", "underlier"}:
        kwargs[field] = draw(symbol_junk)
    elif field == "strikes":
        strikes = list(kwargs["strikes"])
        strikes[draw(st.integers(min_value=0, max_value=3))] = draw(junk)
        kwargs["strikes"] = strikes
    elif field is not None:
        kwargs[field] = draw(junk)
    return kwargs


def expiries(draw: st.DrawFn, *, most: int) -> dt.date:
    return TODAY + dt.timedelta(days=draw(st.integers(min_value=1, max_value=most)))


@st.composite
def equity_args(draw: st.DrawFn) -> dict[str, Any]:
    price_type = draw(st.sampled_from(sorted(EQUITY_PRICE_TYPES)))
    needs_limit = price_type in {"LIMIT", "STOP_LIMIT"}
    needs_stop = price_type in {"STOP", "STOP_LIMIT"}
    term = draw(st.sampled_from(sorted(ORDER_TERMS) if price_type == "LIMIT" else DAY_TERMS))
    if price_type == "MARKET_ON_CLOSE":
        term = "GOOD_FOR_DAY"
    extended = price_type == "LIMIT" and term == "GOOD_FOR_DAY" and draw(st.booleans())
    kwargs = {
        "symbol": draw(st.sampled_from(TICKERS)),
        "action": draw(st.sampled_from(["BUY", "SELL_SHORT"])),
        "quantity": draw(st.integers(min_value=1, max_value=50)),
        "price_type": price_type,
        "limit_price": draw(st.one_of(cents, sub_penny)) if needs_limit else None,
        "stop_price": draw(cents) if needs_stop else None,
        "term": term,
        "session": "EXTENDED" if extended else "REGULAR",
        "all_or_none": draw(st.booleans()),
        "client_order_id": draw(
            st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True))
        ),
    }
    return spoil(draw, kwargs)


@st.composite
def option_args(draw: st.DrawFn) -> dict[str, Any]:
    price_type = draw(st.sampled_from(sorted(OPTION_PRICE_TYPES)))
    kwargs = {
        "underlier": draw(st.sampled_from(TICKERS)),
        "expiry": expiries(draw, most=400),
        "call_put": draw(st.sampled_from(["CALL", "PUT", "c", "p"])),
        "strike": draw(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("400"), places=3)),
        "action": draw(st.sampled_from(["BUY_OPEN", "SELL_OPEN"])),
        "quantity": draw(st.integers(min_value=1, max_value=3)),
        "price_type": price_type,
        "limit_price": draw(premiums) if price_type in {"LIMIT", "STOP_LIMIT"} else None,
        "stop_price": draw(premiums) if price_type in {"STOP", "STOP_LIMIT"} else None,
        "term": draw(st.sampled_from(sorted(ORDER_TERMS) if price_type == "LIMIT" else DAY_TERMS)),
    }
    return spoil(draw, kwargs)


@st.composite
def spread_args(draw: st.DrawFn) -> dict[str, Any]:
    strikes = draw(
        st.lists(
            st.decimals(min_value=Decimal("1"), max_value=Decimal("300"), places=1),
            min_size=4,
            max_size=4,
            unique=True,
        ).map(sorted)
    )
    kwargs = {
        "kind": draw(
            st.sampled_from(["vertical", "straddle", "strangle", "iron_condor", "butterfly"])
        ),
        "underlier": draw(st.sampled_from(TICKERS)),
        "expiry": expiries(draw, most=200),
        "strikes": strikes if draw(st.booleans()) else draw(st.permutations(strikes)),
        "quantity": draw(st.integers(min_value=1, max_value=5)),
        "side": draw(st.sampled_from(["BUY", "SELL"])),
        "price_type": draw(st.sampled_from([None, "NET_EVEN", "MARKET"])),
        "limit_price": draw(premiums),
        "term": draw(st.sampled_from(DAY_TERMS)),
    }
    if kwargs["price_type"] is not None:
        kwargs["limit_price"] = None
    return spoil(draw, kwargs)


def check(build: Callable[[], Any], builder: Callable[..., Any], client: Client, key: str) -> None:
    """Build; a ValidationError must name an argument of ``builder`` or of the
    OptionSymbol it was given. Otherwise the simulator must accept the preview.
    """
    try:
        order = build()
    except ValidationError as exc:
        refused: ValidationError | None = exc
    else:
        refused = None
    if refused is not None:
        names = set(inspect.signature(builder).parameters)
        names |= set(inspect.signature(OptionSymbol).parameters)
        assert refused.field in names, f"ValidationError names unknown field {refused.field!r}"
        event(f"refused: {refused.field}")
        return
    preview = client.orders.preview(key, order)  # any OrderError fails the property
    assert preview.preview_ids
    assert preview.request == order.to_request()
    event("accepted at preview")


@EXAMPLES
@given(args=equity_args())
def test_equity_orders(module_client: Client, margin_key: str, args: dict[str, Any]) -> None:
    symbol, action, quantity = args.pop("symbol"), args.pop("action"), args.pop("quantity")
    check(
        lambda: EquityOrder(symbol, action, quantity, **args),
        EquityOrder,
        module_client,
        margin_key,
    )


@EXAMPLES
@given(args=option_args())
def test_option_orders(module_client: Client, margin_key: str, args: dict[str, Any]) -> None:
    def build() -> OptionOrder:
        contract = OptionSymbol(
            args.pop("underlier"), args.pop("expiry"), args.pop("call_put"), args.pop("strike")
        )
        return OptionOrder(contract, args.pop("action"), args.pop("quantity"), **args)

    check(build, OptionOrder, module_client, margin_key)


STRATEGIES: dict[str, Callable[..., Any]] = {
    "vertical": lambda u, e, s, q, side, **kw: vertical_spread(
        u, e, "CALL", s[0], s[1], q, opening=side == "BUY", **kw
    ),
    "straddle": lambda u, e, s, q, side, **kw: straddle(u, e, s[0], q, side=side, **kw),
    "strangle": lambda u, e, s, q, side, **kw: strangle(u, e, s[0], s[1], q, side=side, **kw),
    "iron_condor": lambda u, e, s, q, side, **kw: iron_condor(u, e, *s, q, side=side, **kw),
    "butterfly": lambda u, e, s, q, side, **kw: butterfly(u, e, "PUT", *s[:3], q, side=side, **kw),
}
BUILDERS = {
    "vertical": vertical_spread,
    "straddle": straddle,
    "strangle": strangle,
    "iron_condor": iron_condor,
    "butterfly": butterfly,
}


@EXAMPLES
@given(args=spread_args())
def test_spread_strategies(module_client: Client, margin_key: str, args: dict[str, Any]) -> None:
    kind = args.pop("kind")

    def build() -> Any:
        return STRATEGIES[kind](
            args.pop("underlier"),
            args.pop("expiry"),
            args.pop("strikes"),
            args.pop("quantity"),
            args.pop("side"),
            **args,
        )

    check(build, BUILDERS[kind], module_client, margin_key)

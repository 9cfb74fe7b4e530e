"""Error codes the simulator answers with, and where each one comes from.

``D``: in E*TRADE's v1 documentation (the endpoint's error table). ``O``: observed in
production answers or reported by users of other clients. ``S``: the simulator's own
choice, used consistently so tests can match on it; E*TRADE publishes no code for the
case, and a client must not rely on these. The README's evidence list gives sources.
"""

from __future__ import annotations

# -- documented or observed ----------------------------------------------------------
NO_RESULTS = 53  # D: transactions 204, alerts 404 "no alerts"
ACCOUNT_NOT_USERS = 100  # D: "Account key does not belong to user"
INVALID_PREVIEW_ID = 101  # O: place with a bad, stale or mismatched preview
INVALID_ACCOUNT_KEY = 102  # D: "Please enter valid account key"
QUOTE_SYMBOL_MESSAGE = 1002  # D/O: quote "is an invalid symbol" message (HTTP 200)
INVALID_SYMBOL = 1019  # D: quote, invalid symbol
TOO_MANY_SYMBOLS = 1025  # D: quote, more than 50 symbols
ORDER_ENTERED = 1026  # O: place answer WARNING "successfully entered"
NOT_SHORTABLE = 33  # O: a client's handling of refused short sales
INSUFFICIENT_SHARES = 1037  # O: same client, selling more than held
NOT_BROKERAGE = 2001  # D: transactions, not a brokerage account
BAD_DATE_RANGE = 2002  # D
BAD_DATE = 2003  # D
BAD_DATE_FORMAT = 2004  # D
BAD_COUNT = 2005  # D: count outside 1-50
BAD_SORT_ORDER = 2007  # D
BOTH_MARKERS = 2008  # D: "Both PageMarker and Marker passed"
LOOKUP_INVALID_SYMBOL = 10033  # D
LOOKUP_MISSING_SYMBOL = 10043  # D
ALERT_BAD_ID = 499  # D: alert id must be greater than 0

# -- the simulator's own (S) -----------------------------------------------------------
INVALID_PARAMETER = 1010  # S: an unknown value of a listing filter
INSUFFICIENT_FUNDS = 1036  # S
DUPLICATE_CLIENT_ORDER_ID_CODE = 1079  # S: clientOrderId already used in the account
BAD_MARKER = 2009  # S: a marker that names no row
INVALID_TRANSACTION_ID = 2010  # S
INVALID_POSITION_ID = 2011  # S
CANCEL_PENDING = 5011  # S
ORDER_MALFORMED = 1000  # S
ORDER_MISSING_FIELD = 1001  # S
ORDER_INVALID_FIELD = 1003  # S
ORDER_PRICE_REQUIRED = 1004  # S
ORDER_TERM_NEEDS_LIMIT = 1005  # S
ORDER_BAD_QUANTITY = 1006  # S
ORDER_BAD_CLIENT_ORDER_ID = 1007  # S
ORDER_NOT_FOUND = 5100  # S
ORDER_NOT_CANCELLABLE = 5101  # S
ORDER_NOT_CHANGEABLE = 5102  # S
ORDER_COUNT_TOO_LARGE = 5103  # S: order list count above 100

#: The codes a client may rely on (documented or observed).
ETRADE_CODES = frozenset(
    {
        NO_RESULTS,
        ACCOUNT_NOT_USERS,
        INVALID_PREVIEW_ID,
        INVALID_ACCOUNT_KEY,
        QUOTE_SYMBOL_MESSAGE,
        INVALID_SYMBOL,
        TOO_MANY_SYMBOLS,
        ORDER_ENTERED,
        NOT_SHORTABLE,
        INSUFFICIENT_SHARES,
        NOT_BROKERAGE,
        BAD_DATE_RANGE,
        BAD_DATE,
        BAD_DATE_FORMAT,
        BAD_COUNT,
        BAD_SORT_ORDER,
        BOTH_MARKERS,
        LOOKUP_INVALID_SYMBOL,
        LOOKUP_MISSING_SYMBOL,
        ALERT_BAD_ID,
    }
)

"""
etrade_sync.api.orders
~~~~~~~~~~~~~~~~~~~~~~

This module provides ``client.orders``: list, preview, place, change and cancel.
"""

from __future__ import annotations

from .base import Resource

__all__ = ["OrdersAPI"]


class OrdersAPI(Resource):
    """``client.orders``."""

    category = "orders"

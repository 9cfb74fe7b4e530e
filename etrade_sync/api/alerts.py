"""
etrade_sync.api.alerts
~~~~~~~~~~~~~~~~~~~~~~

This module provides ``client.alerts``: list, read and delete alerts.
"""

from __future__ import annotations

from .base import Resource

__all__ = ["AlertsAPI"]


class AlertsAPI(Resource):
    """``client.alerts``."""

    category = "alerts"

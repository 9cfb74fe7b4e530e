"""
etrade_sync.api
~~~~~~~~~~~~~~~

This package provides the endpoint groups: one module each for accounts, market,
orders and alerts.
"""

"""
etrade_sync.observe
~~~~~~~~~~~~~~~~~~~

This package is what lets users watch the client without leaking secrets:
metrics (:mod:`.metrics`), the one redactor (:mod:`.redact`) and log hygiene
(:mod:`.logs`), and JSON lines (:mod:`.jsonlog`). It imports nothing else from
the client.
"""

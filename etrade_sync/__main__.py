"""``python -m etrade_sync``: the same as the ``etrade-sync`` command."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

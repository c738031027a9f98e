"""Entry point for ``python -m tradeterm``."""

from tradeterm.cli import main

raise SystemExit(main())

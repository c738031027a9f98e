"""Value types and trading rules with no I/O: markets, books, orders, fills, balances."""

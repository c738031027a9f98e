"""Venues on any ccxt exchange (ccxt is imported only by the modules that need it)."""

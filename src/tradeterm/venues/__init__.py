"""Venues: implementations of the market-data and execution ports."""

"""Modal screens: help, symbol search and (later) order tickets."""

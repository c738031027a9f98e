"""tradeterm: a keyboard-first trading workstation for the terminal."""

__version__ = "0.1.0"

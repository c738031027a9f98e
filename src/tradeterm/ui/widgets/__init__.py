"""Reusable widgets drawn with Textual's line API (cheap to redraw many times a second)."""

"""The base of every config section: unknown keys refused, a docstring per key, frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    # defer_build: the validation schema is built on first validation, not at import
    # (`tradeterm init` reads the fields and docstrings only).
    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, frozen=True, defer_build=True
    )

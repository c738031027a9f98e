"""The start form's parsing (ui/paramform.py) fuzzed: whatever is typed into any field of any
built-in strategy gives its parameters or a FormError naming the field in words, never
another exception; numbers in range come back exact, out of range are said with the bound."""

from __future__ import annotations

import typing
from decimal import Decimal

import annotated_types as at
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.strategies.base import StrategyParams
from tradeterm.strategies.registry import BUILTINS
from tradeterm.ui.paramform import FormError, check_name, form_fields, fresh_name, parse_params

MODELS = sorted({cls.params_model for cls in BUILTINS.values()}, key=lambda m: m.__name__)

typed = st.one_of(
    st.text(max_size=30),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.sampled_from(["", " ", "none", "yes", "1e999999", "-0", "0x10", "1_000", "½", "٣"]),
)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_text_gives_parameters_or_a_form_error_naming_the_field(data: st.DataObject) -> None:
    model = data.draw(st.sampled_from(MODELS))
    names = list(model.model_fields)
    texts = data.draw(st.dictionaries(st.sampled_from(names), typed, max_size=len(names)))
    try:
        params = parse_params(model, texts)
    except FormError as exc:
        assert exc.problems
        for name, message in exc.problems:
            assert name in names or name == "parameters"
            assert message and "Traceback" not in message and "https://" not in message
            if name in names:
                assert "(allowed: " in message
    else:
        assert isinstance(params, model)
        for name, text in texts.items():
            if not text.strip():
                assert getattr(params, name) == model.model_fields[name].default


def _int_fields() -> list[tuple[type[StrategyParams], str, int, int]]:
    found = []
    for model in MODELS:
        for name, info in model.model_fields.items():
            if info.annotation is int:
                low = next(m.ge for m in info.metadata if isinstance(m, at.Ge))
                high = next(m.le for m in info.metadata if isinstance(m, at.Le))
                found.append((model, name, typing.cast(int, low), typing.cast(int, high)))
    return found


INT_FIELDS = _int_fields()


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_whole_numbers_come_back_exact_or_say_their_bound(data: st.DataObject) -> None:
    model, name, low, high = data.draw(st.sampled_from(INT_FIELDS))
    value = data.draw(st.integers(low - 1000, high + 1000))
    spaces = data.draw(st.sampled_from(["", " ", "  "]))
    try:
        params = parse_params(model, {name: f"{spaces}{value}{spaces}"})
    except FormError as exc:
        said = dict(exc.problems)
        if value < low:
            assert said[name].startswith(f"must be at least {low} ")
        elif value > high:
            assert said[name].startswith(f"must be at most {high} ")
        else:  # in range: only a rule between fields (sma_cross: fast below slow) says no
            assert list(said) == ["parameters"]
    else:
        assert low <= value <= high and getattr(params, name) == value


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_form_shown_parses_back_to_the_defaults(model: type[StrategyParams]) -> None:
    fields = form_fields(model)
    assert [f.name for f in fields] == list(model.model_fields)
    assert all(f.allowed and f.help for f in fields)
    assert parse_params(model, {f.name: f.default for f in fields}) == model()


def test_a_decimal_is_kept_exact_and_none_clears_an_optional_price() -> None:
    grid = BUILTINS["grid"].params_model
    params = parse_params(grid, {"qty": "0.00012345678", "stop_below": "50000"})
    assert params.model_dump()["qty"] == Decimal("0.00012345678")
    assert params.model_dump()["stop_below"] == Decimal("50000")
    assert parse_params(grid, {"stop_below": "none"}).model_dump()["stop_below"] is None
    with pytest.raises(FormError) as caught:
        parse_params(grid, {"levels": "ten"})
    assert str(caught.value) == (
        "levels: is not a whole number (allowed: whole number, at least 2 and at most 200)"
    )
    with pytest.raises(FormError) as caught:
        parse_params(grid, {"spacing": "spiral"})
    assert caught.value.problems == [
        (
            "spacing",
            "is not one of the choices (allowed: one of: arithmetic, geometric, fibonacci, atr)",
        )
    ]


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=50), taken=st.sets(st.text(min_size=1, max_size=8), max_size=3))
def test_a_name_is_taken_only_when_it_can_tag_orders(name: str, taken: set[str]) -> None:
    try:
        kept = check_name(name, taken)
    except FormError as exc:
        assert [field for field, _ in exc.problems] == ["name"]
    else:
        assert kept == name.strip() and kept not in taken
        assert all(c.isascii() and (c.isalnum() or c in "_.-") for c in kept)


def test_fresh_names_do_not_collide() -> None:
    taken: set[str] = set()
    for _ in range(3):
        taken.add(fresh_name("grid", "BTC/USDT", taken))
    assert taken == {"grid-btc", "grid-btc-2", "grid-btc-3"}
    assert check_name(fresh_name("grid", "BTC/USDT", taken), taken) == "grid-btc-4"

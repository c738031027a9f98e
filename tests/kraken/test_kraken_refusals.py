"""Kraken's errors in a 200 answer, read as the HTTP errors they stand for."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeterm.venues.kraken.refusals import PAUSE_S, refusal


@pytest.mark.parametrize(
    ("errors", "status", "pause"),
    [
        (["EGeneral:Too many requests"], 429, PAUSE_S),
        (["EAPI:Rate limit exceeded"], 429, PAUSE_S),
        (["EQuery:Unknown asset pair", "EGeneral:Too many requests"], 429, PAUSE_S),
        (["EService:Unavailable"], 503, None),
        (["EService:Busy"], 503, None),
    ],
)
def test_a_rate_limit_or_an_outage_is_the_http_error_it_stands_for(
    errors: list[str], status: int, pause: float | None
) -> None:
    for body in (
        json.dumps({"error": errors, "result": {}}).encode(),
        json.dumps({"result": {}, "error": errors}, indent=1).encode(),
    ):
        error = refusal(body)
        assert error is not None
        assert (error.status, error.retry_after) == (status, pause)
        assert str(error) == "Kraken: " + "; ".join(errors)


@pytest.mark.parametrize(
    "body",
    [
        b'{"error":[],"result":{"XXBTZUSD":{"altname":"XBTUSD"}}}',
        b'{ "error" : [ ], "result": {}}',
        b'{"error":["EQuery:Unknown asset pair"]}',  # a real answer: the caller reports it
        b'{"error":"EGeneral:Too many requests"}',  # not Kraken's layout: not guessed at
        b"[1, 2]",
        b"<html>502 Bad Gateway</html>",
        b"",
    ],
)
def test_every_other_answer_is_left_to_its_caller(body: bytes) -> None:
    assert refusal(body) is None


@given(st.binary(max_size=200))
def test_any_bytes_are_read_without_raising(body: bytes) -> None:
    error = refusal(body)
    assert error is None or error.status in (429, 503)


KINDS = [
    "EGeneral:Too many requests",
    "EAPI:Rate limit exceeded",
    "EService:Unavailable",
    "EService:Busy",
    "EQuery:Unknown asset pair",
    "EGeneral:Invalid arguments",
]
ERRORS = st.lists(
    st.one_of(
        st.sampled_from(KINDS),
        st.builds(str.__add__, st.sampled_from(KINDS), st.text()),
        st.text(),
    ),
    max_size=4,
)


@given(ERRORS, st.dictionaries(st.text(max_size=8), st.integers(), max_size=3))
def test_errors_are_told_apart_by_their_kind(errors: list[str], extra: dict[str, int]) -> None:
    body = json.dumps({**extra, "error": errors, "result": {}}).encode()
    error = refusal(body)
    limited = any(e.startswith((KINDS[0], KINDS[1])) for e in errors)
    busy = any(e.startswith((KINDS[2], KINDS[3])) for e in errors)
    assert (error is not None and error.status == 429) == limited
    assert (error is not None and error.status == 503) == (busy and not limited)

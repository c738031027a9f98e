"""Candle file readers: every layout gives the same candles; the shared files read as pandas
reads them; anything else is refused with the file, the columns found and the layouts."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeterm.analysis.backtest.candles import COLUMNS, read_candles, read_many
from tradeterm.domain.errors import DataError

FREQTRADE = "candles/binance_spot_2019-10_freqtrade/XRP_ETH-1m.feather"


def sample(rows: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, rows)))
    return pd.DataFrame(
        {
            "date": pd.date_range("2024-03-01", periods=rows, freq="5min", tz="UTC"),
            "open": close * 0.999,
            "high": close * 1.002,
            "low": close * 0.997,
            "close": close,
            "volume": rng.uniform(1, 10, rows),
        }
    )


def expected(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.set_index("date")[list(COLUMNS)]
    out.index = out.index.as_unit("ns")
    return out


def same(read: pd.DataFrame, frame: pd.DataFrame) -> None:
    read = read.copy()
    read.index = read.index.as_unit("ns")
    pd.testing.assert_frame_equal(read, expected(frame), check_freq=False)


def as_lists(frame: pd.DataFrame) -> list[list[float]]:
    ms = frame["date"].dt.as_unit("ms").astype("int64")
    columns = (ms, *(frame[c] for c in COLUMNS))
    return [[int(t), *values] for t, *values in zip(*columns, strict=True)]


def test_every_layout_gives_the_same_candles(tmp_path: Path) -> None:
    frame = sample()
    files = {
        "a.csv": lambda p: frame.to_csv(p, index=False),
        "b.parquet": frame.to_parquet,
        "c.feather": frame.to_feather,
        "d.json": lambda p: p.write_text(json.dumps(as_lists(frame))),
        "e.json.gz": lambda p: p.write_bytes(gzip.compress(json.dumps(as_lists(frame)).encode())),
        "f.csv.gz": lambda p: p.write_bytes(gzip.compress(frame.to_csv(index=False).encode())),
        "no_suffix": lambda p: frame.rename(columns={"date": "timestamp"}).to_csv(p, index=False),
        "semicolons.csv": lambda p: frame.to_csv(p, index=False, sep=";"),
    }
    for name, write in files.items():
        path = tmp_path / name
        write(path)
        same(read_candles(path), frame)


def test_shuffled_rows_are_sorted_and_naive_times_taken_as_utc(tmp_path: Path) -> None:
    frame = sample()
    shuffled = frame.sample(frac=1.0, random_state=1)
    shuffled["date"] = shuffled["date"].dt.tz_localize(None).dt.strftime("%Y-%m-%d %H:%M:%S")
    path = tmp_path / "x.csv"
    shuffled.to_csv(path, index=False)
    same(read_candles(path), frame)


def test_the_shared_files_read_as_pandas_reads_them(shared_data: Path) -> None:
    path = shared_data / FREQTRADE
    same(read_candles(path), pd.read_feather(path))
    futures = shared_data / "candles/binance_usdm_2021-11_freqtrade"
    from_json = read_candles(futures / "XRP_USDT_USDT-1h-futures.json.gz")
    from_feather = read_candles(futures / "XRP_USDT_USDT-1h-futures.feather")
    pd.testing.assert_frame_equal(from_json, from_feather, check_freq=False, check_exact=False)
    nautilus = read_candles(shared_data / "candles/nautilus_btc-perp-20211231-20220201_1m.csv")
    raw = pd.read_csv(shared_data / "candles/nautilus_btc-perp-20211231-20220201_1m.csv")
    assert len(nautilus) == len(raw) == 45_031
    assert nautilus.index[0] == pd.Timestamp("2021-12-31 23:01", tz="UTC")
    assert nautilus["close"].tolist() == raw["close"].tolist()
    kraken_path = shared_data / "candles/kraken_rest_OHLC_XBTUSDT_1m_20251111_nautilus.json"
    kraken = read_candles(kraken_path)
    rows = json.loads(kraken_path.read_text())["result"]["XBTUSDT"]
    assert len(kraken) == len(rows) == 721
    assert kraken.index[0] == pd.Timestamp(rows[0][0], unit="s", tz="UTC")
    assert kraken["close"].tolist() == [float(r[4]) for r in rows]
    assert kraken["volume"].tolist() == [float(r[6]) for r in rows]


def test_mark_candles_without_volume_are_read(shared_data: Path) -> None:
    mark = read_candles(
        shared_data / "candles/binance_usdm_2021-11_freqtrade/XRP_USDT_USDT-1h-mark.feather"
    )
    assert len(mark) == 100 and mark["volume"].isna().all() and (mark["close"] > 0).all()


def test_read_many_merges_files_by_time_first_file_winning(tmp_path: Path) -> None:
    frame = sample()
    early, late = tmp_path / "early.csv", tmp_path / "late.csv"
    frame.iloc[:30].to_csv(early, index=False)
    changed = frame.iloc[20:].copy()
    changed.loc[changed.index[:10], "close"] += 1.0  # the overlap differs: the first file wins
    changed.to_csv(late, index=False)
    same(read_many([early, late]), frame)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"date,open,high,low\n2024-01-01,1,2,0.5\n", "missing close"),
        (b"date,open,high,low,close\n2024-01-01,1,2,0.5,1\n", "1 candle(s)"),
        (
            b"date,open,high,low,close\n2024-01-01,1,2,0.5,x\n2024-01-02,1,2,0.5,1\n",
            "close in row 1",
        ),
        (b"date,open,high,low,close\nsoon,1,2,0.5,1\nlater,1,2,0.5,1\n", "times not understood"),
        (
            b"date,open,high,low,close\n2024-01-01,1,2,0.5,1\n2024-01-01,1,2,0.5,1\n",
            "more than once",
        ),
        (b"date,open,high,low,close\n2024-01-01,1,2,0.5,-1\n2024-01-02,1,2,0.5,1\n", "above 0"),
        (b"[[1, 2, 3]]", "lists of at least 6 values"),
        (b'{"a": 1}', "without a Kraken 'result' list"),
        (b"[1", "invalid JSON"),
        (b"\x1f\x8b\x08junk", "broken gzip"),
        (b"PAR1 not really", "damaged Parquet/Feather"),
    ],
)
def test_unreadable_files_are_refused_in_words(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "candles.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as refused:
        read_candles(path)
    text = str(refused.value)
    assert text.startswith(f"{path}: ")
    assert reason in text
    assert "Columns found:" in text and "Accepted: CSV with a header" in text


def check_result_or_refusal(path: Path) -> None:
    """The one contract: valid candles, or a DataError naming the file and the layouts."""
    try:
        candles = read_candles(path)
    except DataError as exc:
        assert str(exc).startswith(str(path)) and "Accepted:" in str(exc)
        return
    assert list(candles.columns) == list(COLUMNS)
    assert str(candles.index.tz) == "UTC" and candles.index.is_monotonic_increasing
    assert not candles.index.has_duplicates and len(candles) >= 2
    prices = candles[["open", "high", "low", "close"]].to_numpy()
    assert np.isfinite(prices).all() and (prices > 0).all()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=300))
def test_fuzz_any_bytes(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fuzz.bin"
    path.write_bytes(content)
    check_result_or_refusal(path)


cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["", "2024-01-01", "2024-01-01 00:05:00", "x", "1e400", "-0", "nan"]),
    st.text(alphabet="0123456789.-:eT ", max_size=12),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.permutations(["date", "open", "high", "low", "close", "volume"]).map(list),
    rows=st.lists(st.lists(cell, min_size=6, max_size=6), min_size=0, max_size=8),
)
def test_fuzz_csv_tables(tmp_path: Path, header: list[str], rows: list[list[str]]) -> None:
    path = tmp_path / "fuzz.csv"
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    path.write_text(text, encoding="utf-8")
    check_result_or_refusal(path)


json_value = st.one_of(
    st.integers(-(10**19), 10**19),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.none(),
    st.booleans(),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(json_value, min_size=0, max_size=8), max_size=8))
def test_fuzz_json_lists(tmp_path: Path, rows: list[list[object]]) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    check_result_or_refusal(path)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_a_truncated_feather_file_is_refused_in_words(
    shared_data: Path, tmp_path: Path, cut: float
) -> None:
    whole = (shared_data / FREQTRADE).read_bytes()
    path = tmp_path / "cut.feather"
    path.write_bytes(whole[: int(len(whole) * cut)])
    with pytest.raises(DataError, match="damaged Parquet/Feather data"):
        read_candles(path)

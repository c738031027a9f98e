"""Build the optional C extensions: the indicator kernels, the book's level path, the wire decoder.

``tradeterm.analysis._kernels`` runs the indicators' loops; ``tradeterm.domain._book`` the
order book's ``set_many`` and level parsing; ``tradeterm.venues._wire`` reads Binance
messages (depth updates, trades, hftbacktest lines) without orjson.

Everything else is configured in pyproject.toml. All three extensions are optional: without a
C compiler the install still succeeds and the indicators, the book and the decoder run
their numpy and Python code (as they do with TRADETERM_KERNELS=numpy). In a source checkout,
``pip install -e . --no-deps`` rebuilds them in place.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tradeterm.analysis._kernels",
            ["src/tradeterm/analysis/_kernels.c"],
            optional=True,
        ),
        Extension(
            "tradeterm.domain._book",
            ["src/tradeterm/domain/_book.c"],
            depends=[
                "src/tradeterm/_decimal_fast.h",
                "src/tradeterm/domain/_book_decimal.h",
                "src/tradeterm/domain/_book_index.h",
                "src/tradeterm/domain/_book_lists.h",
                "src/tradeterm/domain/_book_parse.h",
            ],
            optional=True,
        ),
        Extension(
            "tradeterm.venues._wire",
            ["src/tradeterm/venues/_wire.c"],
            depends=[
                "src/tradeterm/_decimal_fast.h",
                "src/tradeterm/venues/_wire_json.h",
                "src/tradeterm/venues/_wire_lines.h",
                "src/tradeterm/venues/_wire_numbers.h",
            ],
            optional=True,
        ),
    ]
)

"""Build the optional C extensions: the indicator kernels and the book's level path.

``tradeterm.analysis._kernels`` runs the indicators' loops; ``tradeterm.domain._book`` the
order book's ``set_many`` and level parsing.

Everything else is configured in pyproject.toml. Both extensions are optional: without a
C compiler the install still succeeds and the indicators and the book run their numpy and
Python code (as they do with TRADETERM_KERNELS=numpy). In a source checkout,
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
                "src/tradeterm/domain/_book_decimal.h",
                "src/tradeterm/domain/_book_lists.h",
                "src/tradeterm/domain/_book_parse.h",
            ],
            optional=True,
        ),
    ]
)

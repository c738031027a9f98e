"""Build the optional C kernels of the indicators (tradeterm.analysis._kernels).

Everything else is configured in pyproject.toml. The extension is optional: without a C
compiler the install still succeeds and the indicators run on their numpy code (as they do
with TRADETERM_KERNELS=numpy). For a source checkout: ``python setup.py build_ext --inplace``.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tradeterm.analysis._kernels",
            ["src/tradeterm/analysis/_kernels.c"],
            optional=True,
        )
    ]
)

"""Parallax: how different news outlets covered the same event.

The project keeps the folders its users asked for (flows/, connectors/, storage/, analysis/,
reports/, config/) at the top of the checkout and installs them under this one import name,
through setuptools' package-dir mapping in pyproject.toml. The symbolic links beside this file
mirror that mapping inside the checkout, so that mypy, editors and `import parallax.flows` from
the checkout see the same tree the wheel installs.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("parallax")
except PackageNotFoundError:  # a checkout on sys.path that was never installed
    __version__ = "0+unknown"

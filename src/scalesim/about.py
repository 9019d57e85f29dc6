"""The installed version, in a module of its own so that every layer can show it without importing the package
root (which imports every layer)."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("scalesim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    VERSION = "0.0.0"

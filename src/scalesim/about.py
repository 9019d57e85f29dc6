"""The installed version, in a module of its own so that every layer can show it without importing the package
root (which imports every layer)."""

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    VERSION = version("scalesim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    VERSION = "0.0.0"

CANONICAL = Path("results") / "canonical"
"""Where the canonical results of every bundled scenario live (relative to the project's root)."""

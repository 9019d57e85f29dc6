"""Atomic writes: a reader sees a file or folder whole, or not at all — never half-written.

Everything is written under a temporary name in the destination's own folder (same file system) and renamed
into place with ``os.replace``, which is atomic on POSIX and Windows. Hand-written because no maintained library
writes a whole *folder* atomically; single files could use one, but one mechanism for both keeps it simple.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from scalesim.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd


def _write_file(path: Path, write: Callable[[str], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name}-", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    _write_file(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    _write_file(path, lambda tmp: Path(tmp).write_bytes(data))


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    _write_file(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_folder(destination: Path, fill: Callable[[Path], None]) -> Path:
    """Create ``destination`` (a folder) by letting ``fill`` write into a temporary sibling, then renaming it."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{destination.name}-", dir=destination.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; results are meant to be shared
        fill(tmp)
        if destination.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".old-{destination.name}-", dir=destination.parent))
            os.replace(destination, retired / destination.name)
            os.replace(tmp, destination)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(tmp, destination)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return destination


def check_writable(folder: Path, option: str = "--out") -> None:
    """Refuse, before anything runs, a results folder that cannot be created or written (nothing is written)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScenarioError(f"{option} {folder}: is a file, not a folder; give a folder for the results")
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ScenarioError(f"{option} {folder}: {existing} is a file, so no folder can be made inside it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ScenarioError(f"{option} {folder}: cannot write in {existing} (permission denied)")
    # permissions do not tell everything (a read-only file system, /proc, or root's access that ignores modes):
    # make and remove an empty folder there, which is what writing the results will need first
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".scalesim-probe-", dir=existing))
    except OSError as error:
        raise ScenarioError(
            f"{option} {folder}: cannot make a folder in {existing} ({error.strerror or error})"
        ) from None

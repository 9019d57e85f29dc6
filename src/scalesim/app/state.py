"""What the workshop app keeps across a restart: workshops, tables, every attempt, and the answers already run.

One SQLite file (the standard library's ``sqlite3``), written through on every change, so a server that is
stopped, crashes or is restarted mid-session resumes where it was: the facilitator reopens the workshop with
its code and key, each table rejoins with its name and key, and an answer already run is not run again. Answers
are kept under a digest of the scenario's JSON text *and* scalesim's version: a new version of the model never
serves an old answer. A workshop whose scenario file has changed since it was opened is not resumed (its results
would describe another scenario); the server says so when it starts.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from scalesim.about import VERSION

SCHEMA = """
CREATE TABLE IF NOT EXISTS workshops (
    code TEXT PRIMARY KEY, scenario TEXT NOT NULL, digest TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tables (
    code TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (code, key));
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, answer TEXT NOT NULL);
"""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def answer_key(scenario_json: str) -> str:
    """Where an answer is kept: the scenario's text and the model's version, together."""
    return digest(f"scalesim {VERSION}\n{scenario_json}")


class State:
    """The app's SQLite file. Safe to use from the server's threads (one connection, one lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if str(path) != ":memory:" and not Path(path).resolve().parent.is_dir():
            from scalesim.errors import ScenarioError

            raise ScenarioError(f"--state {path}: no folder {Path(path).resolve().parent}")
        try:
            self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            from scalesim.errors import ScenarioError

            raise ScenarioError(f"--state {path}: not a scalesim app state file ({exc})") from None
        self.lock = threading.Lock()

    def _write(self, sql: str, values: tuple[Any, ...]) -> None:
        with self.lock:
            self.db.execute(sql, values)

    def _read(self, sql: str, values: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.db.execute(sql, values).fetchall()

    def save_workshop(self, code: str, scenario: str, scenario_digest: str, data: dict[str, Any]) -> None:
        self._write(
            "INSERT OR REPLACE INTO workshops VALUES (?, ?, ?, ?)", (code, scenario, scenario_digest, json.dumps(data))
        )

    def save_table(self, code: str, key: str, data: dict[str, Any]) -> None:
        self._write("INSERT OR REPLACE INTO tables VALUES (?, ?, ?)", (code, key, json.dumps(data)))

    def drop_table(self, code: str, key: str) -> None:
        self._write("DELETE FROM tables WHERE code = ? AND key = ?", (code, key))

    def add_attempt(self, code: str, data: dict[str, Any]) -> None:
        self._write("INSERT INTO attempts (code, data) VALUES (?, ?)", (code, json.dumps(data)))

    def workshops(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Every stored workshop: code, scenario name, the scenario's digest, its data."""
        return [(c, s, d, json.loads(data)) for c, s, d, data in self._read("SELECT * FROM workshops ORDER BY rowid")]

    def tables(self, code: str) -> list[dict[str, Any]]:
        return [json.loads(d) for (d,) in self._read("SELECT data FROM tables WHERE code = ? ORDER BY rowid", (code,))]

    def attempts(self, code: str) -> list[dict[str, Any]]:
        return [json.loads(d) for (d,) in self._read("SELECT data FROM attempts WHERE code = ? ORDER BY id", (code,))]

    def answer(self, scenario_json: str) -> dict[str, Any] | None:
        rows = self._read("SELECT answer FROM answers WHERE key = ?", (answer_key(scenario_json),))
        return json.loads(rows[0][0]) if rows else None

    def keep_answer(self, scenario_json: str, answer: dict[str, Any]) -> None:
        self._write("INSERT OR REPLACE INTO answers VALUES (?, ?)", (answer_key(scenario_json), json.dumps(answer)))

    def close(self) -> None:
        with self.lock:
            self.db.close()

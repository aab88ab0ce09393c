"""SQLite state: one file (`--db`), WAL, one shared connection behind a re-entrant lock.

Every resource of every product is a JSON document in one table, keyed by SID, with its kind and its parent's
SID. Products use `ResourceTable` ("the resources of kind X under parent Y") instead of SQL:

    functions = ResourceTable(store, "serverless.function", "ZH")
    fn = functions.create({"friendly_name": "x", "service_sid": zs}, parent=zs)
    functions.list(parent=zs)                         # oldest first
    functions.fetch(fn["sid"], parent=zs, path=f"/Services/{zs}/Functions/{fn['sid']}")  # or NotFound (20404)
    functions.update(fn["sid"], {"friendly_name": "y"})
    functions.delete(fn["sid"])                       # children (parent == sid) go too

Use `store.transaction()` around check-then-write sequences (uniqueness, routing) so parallel requests cannot
interleave; the lock is re-entrant, so table calls inside it are fine.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flex_chat_transfer.sandbox.core.clock import ISO, Clock
from flex_chat_transfer.sandbox.core.errors import NotFound
from flex_chat_transfer.sandbox.core.sids import mint_sid

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    sid TEXT NOT NULL UNIQUE,
    parent_sid TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_by_parent ON resources (kind, parent_sid, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def now_iso() -> str:
    """Wall-clock time; backends use their store's `clock.iso()` so tests can advance it."""
    return datetime.now(UTC).strftime(ISO)


class Store:
    """`clock` stamps every document's dates; by default the clock saved in this database (core/clock.py)."""

    def __init__(self, path: str | Path, clock: Clock | None = None) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._depth = 0
        self.clock = clock or Clock.restored(self.get_meta)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._conn.execute("COMMIT")

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def clear_resources(self) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM resources")
            conn.execute("DELETE FROM meta WHERE key LIKE 'seed.%'")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class ResourceTable:
    """The resources of one kind (e.g. "taskrouter.worker"), each with a SID minted from `prefix`."""

    def __init__(self, store: Store, kind: str, prefix: str) -> None:
        self.store, self.kind, self.prefix = store, kind, prefix

    def create(
        self, fields: dict[str, Any], parent: str | None = None, sid: str | None = None
    ) -> dict[str, Any]:
        now = self.store.clock.iso()
        doc = {"sid": sid or mint_sid(self.prefix), "date_created": now, "date_updated": now, **fields}
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO resources (kind, sid, parent_sid, data) VALUES (?, ?, ?, ?)",
                (self.kind, doc["sid"], parent, json.dumps(doc)),
            )
        return doc

    def get(self, sid: str, parent: str | None = None) -> dict[str, Any] | None:
        sql = "SELECT data FROM resources WHERE kind = ? AND sid = ?"
        args: tuple[Any, ...] = (self.kind, sid)
        if parent is not None:
            sql, args = sql + " AND parent_sid = ?", (*args, parent)
        with self.store.transaction() as conn:
            row = conn.execute(sql, args).fetchone()
        return json.loads(row[0]) if row else None

    def fetch(self, sid: str, parent: str | None = None, *, path: str) -> dict[str, Any]:
        """Like `get`, but a missing resource is Twilio's 404/20404 naming `path` (URL path without /v1)."""
        doc = self.get(sid, parent)
        if doc is None:
            raise NotFound(path)
        return doc

    def list(self, parent: str | None = None, **equals: Any) -> list[dict[str, Any]]:
        """Oldest first; `equals` keeps documents whose fields equal the given values."""
        sql = "SELECT data FROM resources WHERE kind = ?"
        args: tuple[Any, ...] = (self.kind,)
        if parent is not None:
            sql, args = sql + " AND parent_sid = ?", (*args, parent)
        with self.store.transaction() as conn:
            rows = conn.execute(sql + " ORDER BY seq", args).fetchall()
        docs = [json.loads(row[0]) for row in rows]
        return [d for d in docs if all(d.get(k) == v for k, v in equals.items())]

    def update(self, sid: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT data FROM resources WHERE kind = ? AND sid = ?", (self.kind, sid)
            ).fetchone()
            if row is None:
                raise NotFound(f"/{self.kind}/{sid}")
            doc = {**json.loads(row[0]), **changes, "date_updated": self.store.clock.iso()}
            conn.execute("UPDATE resources SET data = ? WHERE sid = ?", (json.dumps(doc), sid))
        return doc

    def delete(self, sid: str) -> bool:
        with self.store.transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM resources WHERE kind = ? AND sid = ?", (self.kind, sid)
            ).rowcount
            if deleted:
                _delete_children(conn, [sid])
        return bool(deleted)


def _delete_children(conn: sqlite3.Connection, parents: list[str]) -> None:
    while parents:
        marks = ",".join("?" * len(parents))
        children = [
            r[0] for r in conn.execute(f"SELECT sid FROM resources WHERE parent_sid IN ({marks})", parents)
        ]
        conn.execute(f"DELETE FROM resources WHERE parent_sid IN ({marks})", parents)
        parents = children

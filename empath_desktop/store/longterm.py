"""Long-term memory: what the avatar keeps about the user across conversations, in SQLite.

The conversation JSONL files stay the record of what was said; this database holds short notes
distilled from it: facts the user told (`chat.facts`, one per slot, a newer one replacing the
older) and impressions from the avatar's reflections. Every note names the conversation and
turn it came from, so the user can see why it is remembered, edit it or delete it.

- WAL mode with a busy timeout, so the reflection worker writes while the window reads, and
  two processes (the window and `empath chat`) can share the file.
- FTS5 with Porter stemming for recall ("where do I live" finds "lives in Berlin"), ranked
  together with importance and recency.
- Versioned schema (`PRAGMA user_version`); a database from a newer version is refused rather
  than changed, and a corrupt one is set aside (renamed, never emptied) with a message.
- Deleting is a real DELETE (the FTS index follows by trigger): a forgotten note is never
  shown or recalled again.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from empath_desktop.chat.facts import Fact, extract_facts
from empath_desktop.store.settings import data_dir

logger = logging.getLogger(__name__)

FILE_NAME = "memory.db"
SCHEMA_VERSION = 1
# Impressions are the reflections' gist: shorter than a reflection, never the whole of one.
IMPRESSION_MAX_CHARS = 240
IMPRESSION_IMPORTANCE = 0.3
# Recall weighs a note's match with the message most, then how much it matters, then age.
_W_MATCH, _W_IMPORTANCE, _W_RECENCY = 0.6, 0.25, 0.15
_RECENCY_HALF_LIFE_S = 14 * 24 * 3600.0
_CANDIDATES = 60
_STOPWORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "for",
        "with", "about", "from", "by", "is", "am", "are", "was", "were", "be", "been", "do",
        "does", "did", "i", "i'm", "im", "me", "my", "mine", "you", "your", "it", "its",
        "it's", "this", "that", "these", "those", "what", "whats", "what's", "who", "where",
        "when", "which", "how", "why", "can", "could", "would", "should", "will", "shall",
        "may", "might", "must", "have", "has", "had", "not", "no", "yes", "so", "too", "very",
        "just", "really", "any", "some", "there", "their", "they", "them", "he", "she", "his",
        "her", "we", "our", "us", "tell", "remember", "know", "again", "called", "named", "now",
    }
)


class MemoryStoreError(Exception):
    """The memory database cannot be used; the message is meant for people."""


@dataclass(frozen=True, slots=True)
class Note:
    """One remembered thing. `kind` is "fact" or "impression"; `turn` is the 0-based index of
    the turn it came from in `conversation` (a conversation file name), -1 when unknown."""

    id: int
    kind: str
    key: str
    text: str
    importance: float
    conversation: str
    turn: int
    created: float
    updated: float

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("created", "updated"):
            data[name] = datetime.fromtimestamp(data[name], UTC).isoformat(timespec="seconds")
        return data


_SCHEMA_V1 = """
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('fact', 'impression')),
    key TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    importance REAL NOT NULL,
    conversation TEXT NOT NULL DEFAULT '',
    turn INTEGER NOT NULL DEFAULT -1,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX notes_updated ON notes (updated);
CREATE INDEX notes_importance ON notes (importance);
CREATE VIRTUAL TABLE notes_fts USING fts5(
    text, content='notes', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER notes_ad AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER notes_au AFTER UPDATE OF text ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO notes_fts (rowid, text) VALUES (new.id, new.text);
END;
"""
# Index i holds the script that takes a database from version i to i + 1.
_MIGRATIONS: tuple[str, ...] = (_SCHEMA_V1,)
_COLUMNS = "id, kind, key, text, importance, conversation, turn, created, updated"


def default_path() -> Path:
    return data_dir() / FILE_NAME


def _impression_text(reflection: str) -> str:
    """The first sentences of a reflection, up to IMPRESSION_MAX_CHARS."""
    text = re.sub(r"\s+", " ", reflection).strip()
    if len(text) <= IMPRESSION_MAX_CHARS:
        return text
    cut = text[:IMPRESSION_MAX_CHARS]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > 40 else cut.rsplit(" ", 1)[0] + "…"


def _impression_key(text: str) -> str:
    normal = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    return "impression:" + hashlib.sha256(normal.encode()).hexdigest()[:16]


# How people ask for what they stated in other words ("my job" for "works as").
_SYNONYMS = {
    "job": "work", "profession": "work", "occupation": "work", "living": "work",
    "home": "live", "city": "live", "town": "live", "country": "live", "address": "live",
    "born": "born OR birthday", "birth": "born OR birthday", "age": "old OR years",
    "pet": "dog OR cat", "pets": "dog OR cat",
}


def _query_terms(text: str) -> list[str]:
    words = re.findall(r"[\w']+", text.lower())
    terms = [re.sub(r"'s$", "", w).strip("'") for w in words if w not in _STOPWORDS]
    terms = [w for w in terms if len(w) > 2 and w not in _STOPWORDS]
    return [_SYNONYMS.get(w, w) for w in terms][:24]


def _fts_query(terms: list[str]) -> str:
    return " OR ".join(" OR ".join(f'"{t}"' for t in term.split(" OR ")) for term in terms)


class LongTermMemory:
    """The notes of one user, in one SQLite file. Safe to share between threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        # A paragraph for the user when a corrupt database was set aside at opening.
        self.recovered = ""
        self._lock = threading.Lock()
        self._db = self._open()

    # -- opening ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 5000")
        return db

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MemoryStoreError(
                f"The memory folder {self.path.parent} cannot be created ({exc.strerror}), so "
                "nothing can be remembered across conversations. The chat works without it."
            ) from exc
        db: sqlite3.Connection | None = None
        try:
            db = self._connect()
            self._check(db)
        except sqlite3.OperationalError as exc:  # locked, unreadable: not corrupt
            if db is not None:
                db.close()
            raise MemoryStoreError(
                f"The memory database {self.path} cannot be opened ({exc}). The chat works "
                "without it; close other copies of EMPATH Desktop and try again."
            ) from exc
        except sqlite3.DatabaseError as exc:  # not a database, or a malformed one
            if db is not None:
                db.close()
            db = self._set_aside(exc)
        self._migrate(db)
        return db

    def _check(self, db: sqlite3.Connection) -> None:
        (verdict,) = db.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise sqlite3.DatabaseError(verdict)
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            db.close()
            raise MemoryStoreError(
                f"The memory database {self.path} was written by a newer version of EMPATH "
                f"Desktop (schema {version}, this version reads up to {SCHEMA_VERSION}). It "
                "is left as it is; update the app to use it."
            )
        db.execute("PRAGMA journal_mode = WAL")

    def _set_aside(self, error: Exception) -> sqlite3.Connection:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                source.replace(Path(f"{kept}{suffix}"))
        logger.warning("memory database %s is unreadable (%s); kept as %s", self.path, error,
                       kept)
        self.recovered = (
            f"The memory database could not be read ({error}), so it was set aside as {kept} "
            "and a new, empty one was started. Nothing was deleted: the old file is still "
            "there for recovery."
        )
        db = self._connect()
        db.execute("PRAGMA journal_mode = WAL")
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        for target in range(version, SCHEMA_VERSION):
            # One transaction per step: a crash mid-migration leaves the older version whole.
            try:
                db.executescript(
                    f"BEGIN IMMEDIATE;\n{_MIGRATIONS[target]}\n"
                    f"PRAGMA user_version = {target + 1};\nCOMMIT;"
                )
            except sqlite3.Error:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing ------------------------------------------------------------------------

    def remember(
        self,
        kind: str,
        key: str,
        text: str,
        importance: float,
        *,
        conversation: str = "",
        turn: int = -1,
        now: float | None = None,
    ) -> Note:
        """Insert a note, or update the note of the same key (a newer fact of that slot)."""
        stamp = time.time() if now is None else now
        with self._lock:
            self._db.execute(
                "INSERT INTO notes (kind, key, text, importance, conversation, turn, created,"
                " updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                " text = excluded.text, importance = max(importance, excluded.importance),"
                " conversation = excluded.conversation, turn = excluded.turn,"
                " updated = excluded.updated",
                (kind, key, text, importance, conversation, turn, stamp, stamp),
            )
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM notes WHERE key = ?", (key,)
            ).fetchone()
        return Note(*row)

    def remember_turn(
        self,
        user_text: str,
        reflection: str,
        *,
        conversation: str = "",
        turn: int = -1,
        now: float | None = None,
    ) -> list[Note]:
        """The facts in what the user said, and an impression from the reflection."""
        facts: list[Fact] = extract_facts(user_text)
        notes = [
            self.remember("fact", f.key, f.text, f.importance, conversation=conversation,
                          turn=turn, now=now)
            for f in facts
        ]
        impression = _impression_text(reflection)
        if len(impression) >= 20:
            notes.append(
                self.remember("impression", _impression_key(impression), impression,
                              IMPRESSION_IMPORTANCE, conversation=conversation, turn=turn,
                              now=now)
            )
        return notes

    def edit(self, note_id: int, text: str) -> Note | None:
        """Change a note's text (the user corrects what is remembered); None if gone."""
        text = text.strip()
        if not text:
            raise ValueError("a note cannot be empty; forget it instead")
        with self._lock:
            self._db.execute(
                "UPDATE notes SET text = ?, updated = ? WHERE id = ?", (text, time.time(), note_id)
            )
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM notes WHERE id = ?", (note_id,)
            ).fetchone()
        return Note(*row) if row else None

    def forget(self, note_id: int) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM notes WHERE id = ?", (note_id,)).rowcount > 0

    def forget_all(self) -> int:
        with self._lock:
            count = self._db.execute("DELETE FROM notes").rowcount
            # Reclaim the pages: forgotten text should not linger in free pages of the file.
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.execute("VACUUM")
        return count

    # -- reading ------------------------------------------------------------------------

    def notes(self) -> list[Note]:
        """Every note, the most recently updated first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM notes ORDER BY updated DESC, id DESC"
            ).fetchall()
        return [Note(*row) for row in rows]

    def count(self) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT count(*) FROM notes").fetchone()
        return n

    def recall(
        self,
        message: str,
        *,
        limit: int = 6,
        budget_tokens: int = 160,
        count_tokens: Callable[[str], int] | None = None,
        now: float | None = None,
    ) -> list[Note]:
        """The notes most relevant to `message`: text match, importance and recency, best
        first, at most `limit` and within `budget_tokens` (by `count_tokens`, else about four
        characters a token)."""
        stamp = time.time() if now is None else now
        terms = _query_terms(message)
        matched: dict[int, float] = {}
        with self._lock:
            if terms:
                query = _fts_query(terms)
                rows = self._db.execute(
                    "SELECT rowid, rank FROM notes_fts WHERE notes_fts MATCH ?"
                    " ORDER BY rank LIMIT ?",
                    (query, _CANDIDATES),
                ).fetchall()
                if rows:
                    best = min(score for _, score in rows)  # bm25: more negative is better
                    matched = {rowid: (score / best if best else 1.0) for rowid, score in rows}
            ids = list(matched)
            placeholders = ",".join("?" * len(ids))
            candidates = self._db.execute(
                f"SELECT {_COLUMNS} FROM notes WHERE id IN ({placeholders}) UNION"
                f" SELECT * FROM (SELECT {_COLUMNS} FROM notes ORDER BY importance DESC"
                f" LIMIT {_CANDIDATES}) UNION"
                f" SELECT * FROM (SELECT {_COLUMNS} FROM notes ORDER BY updated DESC"
                f" LIMIT {_CANDIDATES})",
                ids,
            ).fetchall()
        notes = [Note(*row) for row in candidates]

        def score(note: Note) -> float:
            age = max(0.0, stamp - note.updated)
            recency = math.exp(-age * math.log(2) / _RECENCY_HALF_LIFE_S)
            return (
                _W_MATCH * matched.get(note.id, 0.0)
                + _W_IMPORTANCE * note.importance
                + _W_RECENCY * recency
            )

        ranked = sorted(notes, key=score, reverse=True)
        count = count_tokens or (lambda text: len(text) // 4 + 1)
        chosen: list[Note] = []
        used = 0
        for note in ranked:
            if len(chosen) == limit:
                break
            cost = count(note.text)
            if used + cost > budget_tokens:
                continue
            chosen.append(note)
            used += cost
        return chosen

    def answer(self, question: str, asks_about_user: bool = True) -> Note | None:
        """The note that answers `question`, when one clearly does: it matches at least one
        of the question's words when the question is about the user ("what's my cat
        called") or one of the names it asks about ("how old is Bruno"), all of its words
        otherwise ("who is getting married"). None when nothing does."""
        terms = _query_terms(question)
        if not terms:
            return None
        # Capitalised words after the first: names, which pin a note down on their own.
        names = {w.lower() for w in re.findall(r"(?<=\s)[A-Z][a-z]+", question.strip())}
        with self._lock:
            rows = self._db.execute(
                "SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?"
                " ORDER BY rank LIMIT 5",
                (_fts_query(terms),),
            ).fetchall()
            ranked = []
            for rank, (rowid,) in enumerate(rows):
                matched = {
                    term
                    for term in terms
                    if self._db.execute(
                        "SELECT 1 FROM notes_fts WHERE notes_fts MATCH ? AND rowid = ?",
                        (_fts_query([term]), rowid),
                    ).fetchone()
                }
                ranked.append((len(matched), -rank, rowid, matched))
            if not ranked:
                return None
            covered, _, rowid, matched = max(ranked)  # most words matched, then best rank
            clear = covered == len(terms) or (asks_about_user and covered) or matched & names
            if not clear:
                return None
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM notes WHERE id = ?", (rowid,)
            ).fetchone()
        return Note(*row)

    def export(self) -> list[dict[str, Any]]:
        return [note.as_dict() for note in self.notes()]

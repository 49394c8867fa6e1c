"""An on-disk cache of per-file parse products (Python and JS/TS facts and flows, Terraform
blocks, YAML documents) and of the checks' per-file results (``RepoIndex.map_files``).

Where and why it is safe:

* The cache lives **outside the audited repository**, in the user's cache folder
  (``$READYCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/readycheck``, else ``~/.cache/readycheck``),
  one SQLite database per audited root (``<sha256 of the root path>.sqlite``). A repository
  under audit may be hostile: anything it ships (a committed ``.readycheck-cache/`` included)
  could forge entries to hide findings or, with pickle, run code. Nothing is read from the
  repository's tree for caching.
* Every entry is **signed** with HMAC-SHA256 under a random 32-byte key kept in the cache folder
  (``hmac.key``, mode 0600, owned by the user, refused otherwise). An entry whose signature does
  not verify is ignored (and re-parsed) *before* it is unpickled, so only bytes this user's
  readycheck wrote are ever unpickled.
* An entry's key is a hash of readycheck's version, :data:`SCHEMA`, the Python version, the
  parser, the file's path and its content: an unchanged file is not parsed again; a new release,
  a schema bump or an edit of the file misses. Nothing is trusted across versions.
* Entries are **encrypted** (encrypt-then-MAC), because a parse product holds the file's string
  literals, a committed secret included: each entry's key is derived from its file's path and
  content, which the database never stores (its rows are found by a second, independent hash).
  Whoever reads the database bytes without the repository learns nothing of its content; whoever
  has the repository has the secret already. Deleted rows are overwritten (``secure_delete``).
* The cache is disposable: delete the folder at any time. Any error (unwritable folder, locked or
  corrupt database, odd key file) silently turns the cache off for the audit.
* Bounded: entries unused for :data:`MAX_AGE_DAYS` days are pruned, then the oldest-used entries
  while a database exceeds :data:`MAX_BYTES`; databases of roots not audited for
  :data:`MAX_AGE_DAYS` days are deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import sqlite3
import stat
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = ["SCHEMA", "ParseCache", "cache_home", "code_fingerprint", "entry_key", "open_cache"]

SCHEMA = 3  # bump whenever a parser's output changes shape or meaning
MAX_AGE_DAYS = 30
MAX_BYTES = 500 * 1024 * 1024
_KEY_FILE = "hmac.key"
_KEY_BYTES = 32
_TOUCH_EVERY = 86_400  # refresh an entry's last-use time at most once a day
_CHUNK = 500  # entries read or written per statement (SQLite allows 32,766 parameters per statement)
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by readycheck.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def cache_home() -> Path:
    """The user's readycheck cache folder (not created)."""
    explicit = os.environ.get("READYCHECK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "readycheck"


def entry_key(parser: str, path: str, text: str) -> str:
    """The cache key of one parse product: changes with the version, schema, parser, path and content."""
    from readycheck import __version__

    h = hashlib.blake2b(digest_size=32)
    h.update(f"{__version__}\0{SCHEMA}\0{sys.version_info[0]}.{sys.version_info[1]}\0{parser}\0{path}\0".encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def code_fingerprint(*modules: str) -> str:
    """A digest of the code a cached per-file result depends on: every source and data file of
    the readycheck package, plus the files of ``modules`` (a plugin's, named by module name) that
    live outside it. Any edit (a release, a local change, a plugin upgrade) gives another
    fingerprint, so a result computed by other code is never reused."""
    return _fingerprint(tuple(sorted(set(modules))))


@lru_cache(maxsize=None)
def _fingerprint(modules: tuple[str, ...]) -> str:
    import readycheck

    package = Path(readycheck.__file__).resolve().parent
    files = sorted(p for p in package.rglob("*") if p.suffix in _CODE_SUFFIXES and "__pycache__" not in p.parts)
    for name in modules:
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None)
        if origin and package not in Path(origin).resolve().parents:
            files.append(Path(origin).resolve())
    h = hashlib.blake2b(digest_size=32, person=b"rc-code")
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0unreadable"
        h.update(f"{path.relative_to(package) if package in path.parents else path}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        h.update(data)
    return h.hexdigest()


_CODE_SUFFIXES = frozenset({".py", ".yaml", ".yml", ".json"})


def _prepare_home(home: Path) -> bytes:
    """Create the cache folder (0700) with its tags, and return the signing key (created once, 0600)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, content in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", "# Created by readycheck.\n*\n")):
        tag = home / name
        if not tag.exists():
            tag.write_text(content, encoding="utf-8")
    key_path = home / _KEY_FILE
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(key_path, flags)
    except FileNotFoundError:
        tmp = home / f".{_KEY_FILE}.{os.getpid()}"
        wfd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            os.write(wfd, os.urandom(_KEY_BYTES))
        finally:
            os.close(wfd)
        try:
            os.link(tmp, key_path)  # atomic: a concurrent audit's key wins, ours is dropped
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        fd = os.open(key_path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o077:
            raise PermissionError("cache key is not a private regular file")
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            raise PermissionError("cache key belongs to another user")
        key = os.read(fd, _KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(key) != _KEY_BYTES:
        raise PermissionError("cache key has the wrong size")
    return key


class ParseCache:
    """Signed, pickled parse products in one SQLite database. Every method swallows its errors:
    a broken cache costs its speed, never the audit."""

    def __init__(self, db_path: Path, secret: bytes) -> None:
        self.db_path = db_path
        self._secret = secret
        self._conn: sqlite3.Connection | None = None
        self.hits = 0
        self.misses = 0
        self.rejected = 0  # entries whose signature or content did not verify
        self._conn = self._connect()

    def _connect(self) -> sqlite3.Connection | None:
        for attempt in range(2):
            try:
                conn = sqlite3.connect(str(self.db_path), timeout=2.0, isolation_level=None, check_same_thread=False)
                conn.text_factory = bytes  # a tampered TEXT cell must not fail the whole read
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA secure_delete=ON")  # pruned entries leave no bytes behind
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, mac BLOB NOT NULL, "
                    "data BLOB NOT NULL, used INTEGER NOT NULL, size INTEGER NOT NULL)"
                )
                conn.execute("CREATE INDEX IF NOT EXISTS entries_used ON entries(used)")
                return conn
            except sqlite3.DatabaseError:
                if attempt == 0:  # a corrupt database: it is only a cache, start afresh
                    for suffix in ("", "-wal", "-shm"):
                        try:
                            os.unlink(str(self.db_path) + suffix)
                        except OSError:
                            pass
                    continue
                return None
            except (sqlite3.Error, OSError):
                return None
        return None  # pragma: no cover - the loop always returns

    @property
    def available(self) -> bool:
        return self._conn is not None

    def _mac(self, key: str, data: bytes) -> bytes:
        # hmac.digest: the one-shot form, in C (hmac.new builds a Python object per entry: a
        # third of the time of restoring small entries)
        return hmac.digest(self._secret, key.encode() + b"\0" + data, "sha256")

    @staticmethod
    def _row_key(key: str) -> str:
        """The key a row is stored under: a hash of the entry key, from which the cipher key
        cannot be derived."""
        return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=32, person=b"rc-cache-row").hexdigest()

    @staticmethod
    def _cipher(key: str, data: bytes) -> bytes:
        """XOR with a SHAKE-256 keystream under a key derived from the entry key (its own inverse)."""
        if not data:
            return data
        secret = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=32, person=b"rc-cache-enc").digest()
        stream = hashlib.shake_256(secret).digest(len(data))
        return (int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")).to_bytes(len(data), "little")

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        """The verified entries among `keys`; a missing, unsigned or unreadable entry is absent.
        Rows are read and restored a chunk at a time: the raw bytes of every entry are never
        held at once."""
        out: dict[str, Any] = {}
        if self._conn is None or not keys:
            return out
        by_row = {self._row_key(k): k for k in keys}
        row_keys = list(by_row)
        now = int(time.time())
        stale: list[tuple[int, str]] = []
        for i in range(0, len(row_keys), _CHUNK):
            chunk = row_keys[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            try:
                rows = self._conn.execute(f"SELECT key, mac, data, used FROM entries WHERE key IN ({marks})", chunk).fetchall()
            except sqlite3.Error:
                self._disable()
                return {}
            for raw_key, mac, data, used in rows:
                row_key = raw_key.decode("utf-8", "replace") if isinstance(raw_key, bytes) else str(raw_key)
                key = by_row.get(row_key)
                if key is None:  # pragma: no cover - SQLite answered a key it was not asked for
                    continue
                if not isinstance(mac, bytes) or not isinstance(data, bytes) or not hmac.compare_digest(mac, self._mac(row_key, data)):
                    self.rejected += 1
                    continue
                try:
                    # signed by this user's key: written by readycheck itself
                    out[key] = pickle.loads(self._cipher(key, data))
                except Exception:  # noqa: BLE001 - a stale class layout: parse again
                    self.rejected += 1
                    continue
                if not isinstance(used, int) or now - used > _TOUCH_EVERY:
                    stale.append((now, row_key))
            del rows
        self.hits += len(out)
        self.misses += len(keys) - len(out)
        if stale:
            try:
                self._conn.executemany("UPDATE entries SET used = ? WHERE key = ?", stale)
            except sqlite3.Error:
                pass
        return out

    def put_many(self, items: Iterable[tuple[str, Any]]) -> None:
        """Store `items`, pickled, encrypted and signed a chunk at a time (one transaction): the
        bytes of every entry are never held at once."""
        if self._conn is None:
            return
        now = int(time.time())
        wrote = False
        try:
            self._conn.execute("BEGIN")
            rows: list[tuple[str, bytes, bytes, int, int]] = []
            for key, value in items:
                try:
                    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - an unpicklable product is simply not cached
                    continue
                data = self._cipher(key, data)
                row_key = self._row_key(key)
                rows.append((row_key, self._mac(row_key, data), data, now, len(data)))
                if len(rows) >= _CHUNK:
                    self._conn.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)", rows)
                    wrote = True
                    rows = []
            if rows:
                self._conn.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)", rows)
                wrote = True
            self._conn.execute("COMMIT")
        except sqlite3.Error:
            self._disable()
            return
        if wrote:
            self.prune()

    def prune(self, *, max_age_days: float = MAX_AGE_DAYS, max_bytes: int = MAX_BYTES) -> None:
        """Drop entries unused for `max_age_days`, then the least recently used beyond `max_bytes`."""
        if self._conn is None:
            return
        try:
            self._conn.execute("DELETE FROM entries WHERE used < ?", (int(time.time() - max_age_days * 86_400),))
            total = int(self._conn.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0])
            if total > max_bytes:
                excess = total - max_bytes
                doomed: list[tuple[int]] = []
                for rowid, size in self._conn.execute("SELECT rowid, size FROM entries ORDER BY used, key"):
                    doomed.append((rowid,))
                    excess -= size if isinstance(size, int) else 0
                    if excess <= 0:
                        break
                self._conn.executemany("DELETE FROM entries WHERE rowid = ?", doomed)
        except sqlite3.Error:
            pass

    def _disable(self) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:  # pragma: no cover
                pass
            self._conn = None


def _prune_roots(home: Path, keep: Path) -> None:
    """Delete the databases of roots not audited for MAX_AGE_DAYS days."""
    limit = time.time() - MAX_AGE_DAYS * 86_400
    try:
        for entry in os.scandir(home):
            if entry.name.endswith((".sqlite", ".sqlite-wal", ".sqlite-shm")) and not entry.name.startswith(keep.name):
                try:
                    if entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)
                except OSError:
                    pass
    except OSError:
        pass


def open_cache(root: Path) -> ParseCache | None:
    """The parse cache for audits of `root`, or None when it cannot be used (never raises)."""
    try:
        home = cache_home()
        secret = _prepare_home(home)
        stem = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:32]
        for suffix in ("", "-wal", "-shm"):  # a database of unencrypted entries (schema 1)
            try:
                os.unlink(home / f"{stem}.sqlite{suffix}")
            except OSError:
                pass
        db = home / f"{stem}-2.sqlite"
        cache = ParseCache(db, secret)
        if not cache.available:
            return None
        try:
            os.utime(db)
        except OSError:
            pass
        _prune_roots(home, db)
        return cache
    except Exception:  # noqa: BLE001 - no cache is always a correct answer
        return None

"""Database migrations and whether each one can be reversed.

Frameworks read:
- Alembic: a module with `revision` and `down_revision`; `downgrade()` must do something (not
  `pass`, `...`, a docstring or `raise NotImplementedError`), read from the Python AST.
- Django: `class Migration(migrations.Migration)`; `RunPython` needs `reverse_code`, `RunSQL`
  needs `reverse_sql` (the other operations Django reverses by itself).
- Knex: a JS/TS module exporting `up` and a `down` that does something.
- Flyway: `V<version>__<name>.sql` with a matching `U<version>__*.sql` undo script.
- golang-migrate (and other `*.up.sql` / `*.down.sql` tools): an up file needs its down file.
- Prisma (`prisma/migrations/*/migration.sql`) and Drizzle Kit (SQL files next to a
  `meta/_journal.json`) have no down migrations at all, so these are reported with
  `reversible=None` and the reason.

Nothing here raises on malformed input: a broken migration is reported with `error` set.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readycheck.index import RepoIndex

__all__ = ["Migration", "parse_alembic", "parse_django", "parse_knex", "pair_sql_migrations", "migrations"]


@dataclass(frozen=True, slots=True)
class Migration:
    path: str
    line: int | None
    framework: str  # alembic, django, knex, flyway, golang-migrate, prisma
    name: str  # revision id, migration name or version
    reversible: bool | None  # None: the framework has no way to say (Prisma) or the file is broken
    reason: str  # why it is (not) reversible, for the report
    error: str | None = None


def _is_trivial(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):  # docstring or `...`
        return True
    return False


def _raised_name(stmt: ast.stmt) -> str:
    exc = stmt.exc if isinstance(stmt, ast.Raise) else None
    if isinstance(exc, ast.Call):
        exc = exc.func
    return exc.id if isinstance(exc, ast.Name) else exc.attr if isinstance(exc, ast.Attribute) else ""


def _body_verdict(body: list[ast.stmt]) -> tuple[bool, str]:
    real = [s for s in body if not _is_trivial(s)]
    if not real:
        return False, "downgrade() is empty"
    if all(isinstance(s, ast.Raise) for s in real):
        name = _raised_name(real[0])
        return False, "downgrade() only raises" + (f" {name}" if name else "")
    return True, "downgrade() reverses the upgrade"


def _module_str(tree: ast.Module, name: str) -> tuple[str | None, int | None, bool]:
    """(value, line, found) of a module-level `name = "..."` (annotated or not)."""
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for t in targets:
            if isinstance(t, ast.Name) and t.id == name:
                v = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
                return v, node.lineno, True
    return None, None, False


def _parse(text: str, path: str) -> tuple[ast.Module | None, str | None]:
    try:
        return ast.parse(text, filename=path), None
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        return None, f"invalid Python{f' at line {line}' if line else ''}"


def looks_like_alembic(text: str) -> bool:
    return "down_revision" in text and "def upgrade" in text


def parse_alembic(text: str, path: str) -> Migration | None:
    """An Alembic revision, or None when the module is not one."""
    if not looks_like_alembic(text):
        return None
    name = PurePosixPath(path).stem
    tree, error = _parse(text, path)
    if tree is None:
        return Migration(path, None, "alembic", name, None, "the revision cannot be parsed", error)
    rev, rev_line, _ = _module_str(tree, "revision")
    _, _, has_down_rev = _module_str(tree, "down_revision")
    if not has_down_rev:
        return None
    name = rev or name
    funcs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    up = funcs.get("upgrade")
    down = funcs.get("downgrade")
    if up is not None and not [s for s in up.body if not _is_trivial(s)]:  # a merge point or a no-op
        return Migration(path, (down or up).lineno, "alembic", name, True, "upgrade() changes nothing: nothing to undo")
    if down is not None:
        ok, reason = _body_verdict(down.body)
        return Migration(path, down.lineno, "alembic", name, ok, reason)
    return Migration(path, rev_line, "alembic", name, False, "no downgrade() function")


def _call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _is_none(node: ast.expr | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


def parse_django(text: str, path: str) -> list[Migration]:
    """The irreversible operations of a Django migration (RunPython without reverse_code, RunSQL
    without reverse_sql), or one reversible entry; [] when the module is not a migration."""
    if "Migration" not in text or "migrations" not in text:
        return []
    tree, error = _parse(text, path)
    name = PurePosixPath(path).stem
    app = PurePosixPath(path).parent.parent.name
    label = f"{app}.{name}" if app else name
    if tree is None:
        if re.search(r"class\s+Migration\s*\(\s*migrations\.Migration", text):
            return [Migration(path, None, "django", label, None, "the migration cannot be parsed", error)]
        return []
    cls = next(
        (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Migration" and any(_call_name(b) == "Migration" for b in n.bases)),
        None,
    )
    if cls is None:
        return []
    out: list[Migration] = []
    for node in ast.walk(cls):
        if not isinstance(node, ast.Call):
            continue
        op = _call_name(node.func)
        if op == "RunPython":
            reverse = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "reverse_code"), None)
            if _is_none(reverse):
                out.append(Migration(path, node.lineno, "django", label, False, "RunPython without reverse_code"))
        elif op == "RunSQL":
            reverse = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "reverse_sql"), None)
            if _is_none(reverse):
                out.append(Migration(path, node.lineno, "django", label, False, "RunSQL without reverse_sql"))
    if not out:
        out.append(Migration(path, cls.lineno, "django", label, True, "every operation is reversible"))
    return out


_KNEX_UP = re.compile(r"(exports\.up\s*=|export\s+(async\s+)?function\s+up\b|export\s+const\s+up\s*=|module\.exports\s*=\s*\{[^}]*\bup\b)")
_KNEX_DOWN = re.compile(
    r"(exports\.down\s*=|export\s+(async\s+)?function\s+down\b|export\s+const\s+down\s*=|^[ \t]*(async\s+)?down\s*(\(|:))", re.M
)
_JS_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def _block_after(text: str, start: int) -> str | None:
    """The text between the first `{` at or after `start` and its matching `}` (strings ignored
    roughly), or the expression of an arrow function without braces."""
    arrow = re.compile(r"=>\s*(?!\{)")
    i = text.find("{", start)
    m = arrow.search(text, start)
    if m is not None and (i < 0 or m.start() < i):
        end = text.find("\n", m.end())
        return text[m.end(): end if end >= 0 else len(text)]
    if i < 0:
        return None
    depth = 0
    quote: str | None = None
    for j in range(i, len(text)):
        c = text[j]
        if quote:
            if c == quote and text[j - 1] != "\\":
                quote = None
            continue
        if c in "'\"`":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1: j]
    return None


def parse_knex(text: str, path: str) -> Migration | None:
    if not _KNEX_UP.search(text):
        return None
    name = PurePosixPath(path).stem
    m = _KNEX_DOWN.search(text)
    if m is None:
        return Migration(path, 1, "knex", name, False, "no down migration exported")
    line = text.count("\n", 0, m.start()) + 1
    body = _block_after(text, m.end())
    if body is None:
        return Migration(path, line, "knex", name, None, "down() cannot be read", "unbalanced braces")
    code = _JS_COMMENT.sub("", body).strip().strip(";").strip()
    if not code or re.fullmatch(r"return\s*(Promise\.resolve\(\s*\))?;?|return\s*;?", code):
        return Migration(path, line, "knex", name, False, "down() is empty")
    if re.fullmatch(r"throw\s+new\s+\w*Error\([^)]*\);?", code):
        return Migration(path, line, "knex", name, False, "down() only throws")
    return Migration(path, line, "knex", name, True, "down() reverses the migration")


_FLYWAY = re.compile(r"^(?P<kind>[VUR])(?P<version>[0-9][0-9._]*)__(?P<desc>.+)\.sql$", re.I)
_UPDOWN = re.compile(r"^(?P<base>.+)\.(?P<dir>up|down)\.sql$", re.I)


def pair_sql_migrations(paths: list[str]) -> list[Migration]:
    """Flyway V/U pairs and `*.up.sql` / `*.down.sql` pairs, by folder."""
    out: list[Migration] = []
    flyway_undo: set[tuple[str, str]] = set()
    updown: dict[tuple[str, str], set[str]] = {}
    for p in paths:
        pp = PurePosixPath(p)
        m = _FLYWAY.match(pp.name)
        if m and m.group("kind").upper() == "U":
            flyway_undo.add((str(pp.parent), m.group("version")))
        m2 = _UPDOWN.match(pp.name)
        if m2:
            updown.setdefault((str(pp.parent), m2.group("base")), set()).add(m2.group("dir").lower())
    for p in paths:
        pp = PurePosixPath(p)
        m = _FLYWAY.match(pp.name)
        if m and m.group("kind").upper() == "V":
            ok = (str(pp.parent), m.group("version")) in flyway_undo
            reason = "undo script U{0}__ exists".format(m.group("version")) if ok else f"no undo script U{m.group('version')}__*.sql"
            out.append(Migration(p, 1, "flyway", f"V{m.group('version')}", ok, reason))
    for (folder, base), dirs in sorted(updown.items()):
        up_path = f"{folder}/{base}.up.sql" if folder != "." else f"{base}.up.sql"
        if "up" not in dirs:
            continue
        ok = "down" in dirs
        out.append(Migration(up_path, 1, "golang-migrate", base, ok, "down migration exists" if ok else f"no {base}.down.sql"))
    return out


def _empty_sql(text: str) -> bool:
    code = re.sub(r"--[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    return not code.strip().strip(";").strip()


_MIGRATION_DIR = re.compile(r"(^|/)(migrations?|alembic/versions|versions|db/migrate|database/migrations|sql)(/|$)", re.I)


def migrations(index: RepoIndex) -> list[Migration]:
    """Every migration of the repository, read once per audit, sorted by path."""

    def compute() -> list[Migration]:
        out: list[Migration] = []
        sql_paths: list[str] = []
        by_path = {f.path: f for f in index.files}
        for f in index.files:
            p = f.path
            low = p.lower()
            try:
                if f.kind == "python":
                    if looks_like_alembic(f.text):
                        mig = parse_alembic(f.text, p)
                        if mig is not None:
                            out.append(mig)
                            continue
                    if "migrations/" in low and not p.endswith("__init__.py"):
                        out += parse_django(f.text, p)
                elif f.kind in ("javascript", "typescript") and _MIGRATION_DIR.search(p):
                    kmig = parse_knex(f.text, p)
                    if kmig is not None:
                        out.append(kmig)
                elif low.endswith(".sql"):
                    if re.search(r"(^|/)prisma/migrations/[^/]+/migration\.sql$", p):
                        name = PurePosixPath(p).parent.name
                        out.append(Migration(p, 1, "prisma", name, None, "Prisma Migrate has no down migrations"))
                    else:
                        sql_paths.append(p)
            except Exception as exc:  # one odd file never stops the audit
                out.append(Migration(p, None, "unknown", PurePosixPath(p).stem, None, "could not be read", type(exc).__name__))
        drizzle = {f.path.rsplit("/meta/", 1)[0] for f in index.files if f.path.endswith("/meta/_journal.json")}
        if drizzle:
            kept = []
            for p in sql_paths:
                folder = p.rsplit("/", 1)[0] if "/" in p else ""
                if folder in drizzle and not _UPDOWN.match(PurePosixPath(p).name):
                    out.append(Migration(p, 1, "drizzle", PurePosixPath(p).stem, None, "Drizzle Kit has no down migrations"))
                else:
                    kept.append(p)
            sql_paths = kept
        paired = pair_sql_migrations(sql_paths)
        for m in paired:
            if m.reversible and m.framework == "golang-migrate":
                down = by_path.get(m.path[: -len(".up.sql")] + ".down.sql")
                if down is not None and _empty_sql(down.text):
                    m = Migration(m.path, m.line, m.framework, m.name, False, f"{m.name}.down.sql is empty")
            out.append(m)
        out.sort(key=lambda m: (m.path, m.line or 0))
        return out

    result: list[Migration] = index.memo("migrations", compute)
    return result

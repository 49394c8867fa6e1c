"""The repository index: one walk of the target, the files checks may read, and git facts.

Only this package touches the filesystem. Checks ask it for files by kind or glob and read their
cached views; nothing is read or parsed twice in an audit.
"""

from __future__ import annotations

import gc
import os
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, TypeVar

from readycheck.index.files import SourceFile, _decode, classify
from readycheck.model import Skipped

if TYPE_CHECKING:
    import pathspec

    from readycheck.cache import ParseCache
    from readycheck.parsers.js_facts import JsFacts
    from readycheck.parsers.python_facts import PythonFacts
    from readycheck.parsers.structured import YamlFile
    from readycheck.parsers.terraform import TfFile
    from readycheck.index.history import AddedLines

__all__ = ["RepoIndex", "SourceFile", "GitFacts", "build_index", "build_staged_index", "DEFAULT_SKIP_DIRS", "classify"]

DEFAULT_SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "env", ".env.d", "__pycache__",
        "dist", "build", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache",
        "site-packages", "vendor", "third_party", ".terraform", ".next", ".nuxt", "coverage",
        ".idea", ".vscode", ".eggs", "bower_components", ".gradle", "target", ".readycheck-cache",
    }
)
_BINARY_EXT = frozenset(
    ".png .jpg .jpeg .gif .bmp .ico .webp .tiff .pdf .zip .gz .tgz .bz2 .xz .7z .tar .jar .war .whl .egg "
    ".so .dylib .dll .exe .bin .o .a .class .pyc .pyo .woff .woff2 .ttf .otf .eot .mp3 .mp4 .mov .avi "
    ".wav .flac .ogg .sqlite .db .parquet .pkl .pickle .npy .npz .onnx .pt .pth .safetensors .h5".split()
)


@dataclass(frozen=True, slots=True)
class GitFacts:
    commit: str | None
    branch: str | None
    dirty: bool
    tags: tuple[str, ...]
    root: str

    def to_dict(self) -> dict[str, Any]:
        return {"commit": self.commit, "branch": self.branch, "dirty": self.dirty}


T = TypeVar("T")
Item = TypeVar("Item")


def _file_identity(f: SourceFile) -> tuple[str, str]:
    return f.path, f.text


@dataclass
class RepoIndex:
    root: Path
    files: tuple[SourceFile, ...]
    skipped: tuple[Skipped, ...] = ()
    is_git: bool = False
    # Whether `map_files` and `map_keyed` keep their results in the user's parse cache: set by the
    # audit when its cache is on (a pre-commit run and --no-cache leave it off).
    cache_results: bool = False
    _by_path: dict[str, SourceFile] = field(default_factory=dict, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)
    _selections: dict[tuple[str, ...], tuple[SourceFile, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_path = {f.path: f for f in self.files}

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Derived, project-wide facts (computed once per audit, shared by every check)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def map_files(self, name: str, files: Sequence[SourceFile], compute: Callable[[SourceFile], T], *, salt: str = "") -> list[T]:
        """``compute(f)`` for each of ``files``, in order: a check's per-file step, whose results
        the check then combines.

        ``compute`` must depend on nothing but the file (its path, text and views), the code and
        ``salt`` (whatever else shapes the result: the rules or parameters the check passes it),
        and return a picklable value that holds no SourceFile. Then, when ``cache_results`` is
        on, a result computed for a file in an earlier audit is taken from the parse cache
        while the file's path and content, ``name``, ``salt`` and readycheck's code (see
        cache.code_fingerprint) are unchanged, signed and encrypted like the parse products;
        the others are computed and stored. A cache that cannot be used computes everything."""
        return self.map_keyed(name, files, _file_identity, compute, salt=salt)

    def map_keyed(
        self, name: str, items: Sequence[Item], identity: Callable[[Item], tuple[str, str]], compute: Callable[[Item], T], *, salt: str = ""
    ) -> list[T]:
        """``map_files`` for items that are not files of the index (the lines a commit added):
        ``identity(item)`` gives the (path, content) that, with ``name``, ``salt`` and the code,
        decides the result."""
        if not self.cache_results or not items:
            return [compute(item) for item in items]
        from readycheck.cache import code_fingerprint, entry_key, open_cache

        cache = open_cache(self.root)
        if cache is None:
            return [compute(item) for item in items]
        try:
            view = f"map:{name}:{code_fingerprint(getattr(compute, '__module__', None) or '')}:{salt}"
            keys = [entry_key(view, *identity(item)) for item in items]
            found = cache.get_many(keys)
            out: list[T] = []
            fresh: list[tuple[str, tuple[T]]] = []
            for item, key in zip(items, keys):
                held = found.get(key)
                if type(held) is tuple and len(held) == 1:  # stored as a 1-tuple: a None result is a result
                    out.append(held[0])
                    continue
                value = compute(item)
                out.append(value)
                fresh.append((key, (value,)))
            if fresh:
                cache.put_many(fresh)
            return out
        finally:
            cache.close()

    def get(self, path: str) -> SourceFile | None:
        return self._by_path.get(path)

    def by_kind(self, *kinds: str) -> list[SourceFile]:
        """The files of these kinds, in path order; the answer is kept for the audit (checks ask
        for the code files eighty times over)."""
        return self._kept(("kinds", *kinds), lambda: lambda f: f.kind in kinds)

    def glob(self, patterns: Iterable[str]) -> list[SourceFile]:
        """Files matching gitignore-style patterns (`**/*.md`, `docs/`, `RUNBOOK*`); the answer
        for a set of patterns is kept for the audit (checks ask for the same manifests)."""
        key = tuple(patterns)

        def matches() -> Callable[[SourceFile], bool]:
            match = _path_matcher(key)
            return lambda f: match(f.path)

        return self._kept(("glob", *key), matches)

    def _kept(self, key: tuple[str, ...], selector: Callable[[], Callable[[SourceFile], bool]]) -> list[SourceFile]:
        """The files a selection keeps, in path order, worked out once per audit (``selector``
        makes the test on first use); each caller gets its own list."""
        found = self._selections.get(key)
        if found is None:
            keep = selector()
            found = self._selections[key] = tuple(f for f in self.files if keep(f))
        return list(found)

    @cached_property
    def git(self) -> GitFacts | None:
        if not self.is_git:
            return None
        return _git_facts(self.root)

    def history(self, *, max_commits: int | None = None) -> Iterator[AddedLines]:
        """The lines each commit reachable from HEAD added, oldest first (see index.history).
        Raises LookupError outside a git repository or before the first commit."""
        from readycheck.index.history import added_lines

        return added_lines(self.root, max_commits=max_commits)

    def head_text(self, path: str) -> str | None:
        """The text of ``path`` as committed in HEAD (None when HEAD has no such file)."""
        from readycheck.index.history import head_text

        return head_text(self.root, path)

    def prepare(self, *, cache: ParseCache | None = None, workers: int | None = None) -> None:
        """Parse every file into the views checks read, before any check runs: parsing is then
        done once, in one place, and a check's time bound measures the check, not the parsing it
        happened to trigger first.

        Python and JS/TS facts, Terraform blocks and YAML documents (the costly, per-file
        products) come from `cache` when it holds them for the file's exact content; the others
        are parsed across processes when there are many (see index.parallel; `workers` or
        READYCHECK_WORKERS forces the count), and stored."""
        views = {
            "yaml": ("documents",), "json": ("documents",), "toml": ("documents",), "notebook": ("documents",),
            "markdown": ("headings",), "text": ("headings",),
        }
        # Syntax trees and facts hold no reference cycles, so the cyclic collector has nothing
        # to find while they are built, yet it would scan the growing heap again and again
        # (a third of the parsing time on a 1,500-file repository).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._prepare_code(cache, workers)
            for f in self.files:
                for attr in views.get(f.kind, ()):
                    getattr(f, attr)
        finally:
            if collecting:
                gc.enable()

    def _prepare_code(self, cache: ParseCache | None, workers: int | None) -> None:
        from readycheck.index.parallel import parse_many, parse_one, worker_count

        jobs: list[tuple[SourceFile, str]] = []
        for f in self.files:
            parser = _CACHED_VIEWS.get(f.kind)
            if parser is None or (parser == "terraform" and not f.holds_terraform_blocks):
                continue
            if parser in f.__dict__:
                continue
            if parser != "documents" and f.minified:  # minified code is read as text only
                getattr(f, parser)  # empty facts that say why
                continue
            jobs.append((f, parser))
        if not jobs:
            return
        keys: list[str] = []
        if cache is not None:
            from readycheck.cache import entry_key

            keys = [entry_key(parser, f.path, f.text) for f, parser in jobs]
            found = cache.get_many(keys)
            pending: list[tuple[SourceFile, str, str]] = []
            for (f, parser), key in zip(jobs, keys):
                product: Any = found.get(key)
                if product is not None and isinstance(product, _product_type(parser)):
                    f.adopt(parser, product)
                else:
                    pending.append((f, parser, key))
        else:
            pending = [(f, parser, "") for f, parser in jobs]
        if not pending:
            return
        n = worker_count(len(pending), workers)
        if n > 1:
            products, _ = parse_many([(parser, f.path, f.text) for f, parser, _ in pending], n)
        else:
            products = [parse_one(parser, f.path, f.text) for f, parser, _ in pending]
        for (f, parser, _), product in zip(pending, products):
            f.adopt(parser, product)
        if cache is not None:
            cache.put_many((key, product) for (_, _, key), product in zip(pending, products))

    def parse_problems(self) -> list[Skipped]:
        """Files that were read but could not be parsed, for the report."""
        out = []
        for f in self.files:
            for err in getattr(f, "parse_errors", []):
                out.append(Skipped(f.path, err))
        return out


# The views parsed across processes and kept in the parse cache: the costly ones (Terraform goes
# through lark, about 2 ms a file; YAML costs about 0.4 ms a file, restoring it a twentieth).
# Each is named after the SourceFile attribute it fills.
_CACHED_VIEWS = {"python": "python", "javascript": "js", "typescript": "js", "terraform": "terraform", "yaml": "documents"}


def _product_type(parser: str) -> type[PythonFacts] | type[JsFacts] | type[TfFile] | type[YamlFile]:
    if parser == "documents":
        from readycheck.parsers.structured import YamlFile

        return YamlFile
    if parser == "python":
        from readycheck.parsers.python_facts import PythonFacts

        return PythonFacts
    if parser == "terraform":
        from readycheck.parsers.terraform import TfFile

        return TfFile
    from readycheck.parsers.js_facts import JsFacts

    return JsFacts


def _git_facts(root: Path) -> GitFacts | None:
    """HEAD's commit and branch, whether the work tree is dirty, the tags: three plumbing commands
    run directly (gitpython would cost more to import than they take, on every pre-commit run)."""
    from readycheck.index.gitsafe import GitError, run, safe_env

    try:
        env = safe_env(root)
        top = run(root, ["rev-parse", "--show-toplevel"], env=env).decode("utf-8", "surrogateescape").strip()
        # Headers "# branch.oid <sha>|(initial)" and "# branch.head <name>|(detached)", then one
        # record per changed or untracked path: any record means a dirty work tree.
        status = run(root, ["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal"], env=env)
        tags = run(root, ["for-each-ref", "--format=%(refname:lstrip=2)", "refs/tags"], env=env)
    except GitError:  # a bare repository, not one at all, or a corrupt one: no facts
        return None
    if not top:
        return None
    headers: dict[str, str] = {}
    dirty = False
    for record in status.decode("utf-8", "surrogateescape").split("\0"):
        if record.startswith("# "):
            key, _, value = record[2:].partition(" ")
            headers[key] = value
        elif record:
            dirty = True
    commit = headers.get("branch.oid")
    branch = headers.get("branch.head")
    return GitFacts(
        commit if commit and commit != "(initial)" else None,
        branch if branch and branch != "(detached)" else None,
        dirty,
        tuple(sorted(tags.decode("utf-8", "surrogateescape").split())),
        top,
    )


def _git_listing(root: Path) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files, relative to root; None when not a work tree."""
    probe = root
    while True:
        if (probe / ".git").exists():
            break
        if probe.parent == probe:
            return None
        probe = probe.parent
    from readycheck.index.gitsafe import GitError, run

    try:
        out = run(root, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).decode(
            "utf-8", "surrogateescape"
        )
    except GitError:
        return None
    names = sorted({n for n in out.split("\0") if n})
    return names


def _gitignore(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """Gitignore-style patterns, compiled (pathspec is imported on first use: 30 ms of a
    pre-commit run that has no exclude patterns)."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(lines))


def _path_matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """Whether a relative path matches gitignore-style ``patterns``, as pathspec's GitIgnoreSpec
    answers. When no pattern is negated, a path matches as soon as one pattern does, so the
    patterns' regular expressions are joined into one, those that may match at any depth
    (``**/x``, ``*.md``) behind their shared prefix: each path costs one match instead of one per
    pattern (0.21 -> 0.02 s for 14 patterns over 21,000 files). pathspec answers whatever that
    cannot express."""
    spec = _gitignore(patterns)
    anywhere: list[str] = []
    rooted: list[str] = []
    flags = 0
    for pattern in spec.patterns:
        regex = getattr(pattern, "regex", None)
        include = getattr(pattern, "include", None)
        if include is None:  # a blank line or a comment
            continue
        if include is not True or regex is None:
            return spec.match_file  # a negation: the last matching pattern decides
        text = regex.pattern.replace("(?P<ps_d>/)", "/")
        if text.startswith(_ANY_DEPTH):
            anywhere.append(f"(?:{text[len(_ANY_DEPTH):]})")
        else:
            rooted.append(f"(?:{text})")
        flags |= regex.flags
    if anywhere:
        rooted.append(f"{_ANY_DEPTH}(?:{'|'.join(anywhere)})")
    if not rooted:
        return lambda path: False
    import re

    try:
        joined = re.compile("|".join(f"(?:{r})" for r in rooted), flags)
    except re.error:  # pathspec's expressions took another shape: let it answer
        return spec.match_file
    return lambda path: joined.match(path) is not None


_ANY_DEPTH = "^(?:.+/)?"  # how pathspec's expression of `**/name` or `name` begins


def _path_max() -> int:
    try:
        return int(os.pathconf("/", "PC_PATH_MAX"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return 4096


_PATH_MAX = _path_max()


def _skip_dir(name: str) -> bool:
    return name in DEFAULT_SKIP_DIRS or name.endswith(".egg-info")


def _in_skipped_dir(rel: str) -> bool:
    """Whether a folder on the way to the file ``rel`` is one the index skips."""
    folders = rel.split("/")[:-1]
    return bool(folders) and (not DEFAULT_SKIP_DIRS.isdisjoint(folders) or any(p.endswith(".egg-info") for p in folders))


def build_index(
    root: Path,
    *,
    exclude: Sequence[str] = (),
    max_file_size: int = 2_000_000,
    use_git: bool = True,
) -> RepoIndex:
    """Walk `root` once. Never follows a symlink out of the root; never fails on one bad file."""
    root = root.resolve()
    exclude_match = _path_matcher(exclude) if exclude else None
    skipped: list[Skipped] = []
    files: list[SourceFile] = []
    listing = _git_listing(root) if use_git else None
    is_git = listing is not None
    if listing is None:
        listing = list(_walk(root, skipped))

    root_str = str(root)
    seen_real: set[str] = set()
    real_dirs: dict[str, bool] = {}
    entries: list[tuple[str, os.stat_result]] = []
    for rel in listing:
        if _in_skipped_dir(rel):
            continue
        if exclude_match is not None and exclude_match(rel):
            continue
        try:
            entries.append((rel, os.lstat(os.path.join(root_str, rel))))
        except OSError:
            continue  # listed by git but deleted in the work tree
    # Regular files first, links last: a link to a file inside the root is read once, at its real path.
    entries.sort(key=lambda e: stat.S_ISLNK(e[1].st_mode))
    for rel, st in entries:
        real = os.path.join(root_str, rel)
        if stat.S_ISLNK(st.st_mode):
            try:
                resolved = Path(real).resolve(strict=True)
            except (OSError, RuntimeError):
                skipped.append(Skipped(rel, "broken or looping symlink"))
                continue
            if resolved != root and root not in resolved.parents:
                skipped.append(Skipped(rel, "symlink pointing outside the target"))
                continue
            try:
                st = os.stat(resolved)
            except OSError:
                skipped.append(Skipped(rel, "unreadable"))
                continue
            real = str(resolved)
        if not stat.S_ISREG(st.st_mode):
            if not stat.S_ISDIR(st.st_mode):
                skipped.append(Skipped(rel, "not a regular file"))
            continue
        if real in seen_real:
            continue
        seen_real.add(real)
        if not _inside(real, root, real_dirs):
            skipped.append(Skipped(rel, "path leads outside the target through a symlinked folder"))
            continue
        if _skip_content(rel, st.st_size, None, max_file_size, skipped):
            continue
        try:
            data = _read_regular(real, max_file_size)
        except OSError as exc:
            skipped.append(Skipped(rel, f"unreadable ({exc.strerror or type(exc).__name__})"))
            continue
        if data is None:
            skipped.append(Skipped(rel, "not a regular file"))  # replaced by a FIFO or device since it was listed
            continue
        if _skip_content(rel, len(data), data, max_file_size, skipped):
            continue
        files.append(SourceFile(_display(rel), real, len(data), classify(rel), _decode(data)))
    files.sort(key=lambda f: f.path)
    skipped = sorted((Skipped(_display(s.path), s.reason) for s in skipped), key=lambda s: s.path)
    return RepoIndex(root, tuple(files), tuple(skipped), is_git)


def _display(rel: str) -> str:
    """A path as reports show it: always valid Unicode. A name that is not valid UTF-8 reaches
    Python with its bad bytes as lone surrogates (which no report file could encode); they are
    shown as backslash escapes instead (``\\xff``). The file is still read at its real name."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _inside(path: str, root: Path, memo: dict[str, bool]) -> bool:
    """Whether the folder holding ``path`` is, once every symlink on the way is resolved, inside
    ``root`` (a tracked ``conf/x`` whose ``conf`` was replaced by a link to /etc is not)."""
    folder = os.path.dirname(path)
    known = memo.get(folder)
    if known is None:
        real = os.path.realpath(folder)
        known = memo[folder] = real == str(root) or real.startswith(str(root).rstrip(os.sep) + os.sep)
    return known


def _read_regular(path: str, max_file_size: int) -> bytes | None:
    """The bytes of the regular file at ``path``, at most ``max_file_size + 1`` of them; None when
    ``path`` is no longer a regular file. Opened without blocking and without following a final
    symlink, then checked on the open descriptor: a file swapped for a FIFO, a device or a link
    between the listing and the read is never read (opening a FIFO would block for ever)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        chunks: list[bytes] = []
        left = max_file_size + 1
        while left > 0:
            # The first read asks for the size the file has, plus one byte to see its end: a 1 MB
            # buffer per small file cost a third of the index's time. A file that grew reads on.
            want = min(left, st.st_size + 1 if not chunks else 1 << 20)
            chunk = os.read(fd, want)
            chunks.append(chunk)
            left -= len(chunk)
            if len(chunk) < want:  # a short read of a regular file: its end (one read per small file)
                break
        return b"".join(chunks)
    finally:
        os.close(fd)


def _skip_content(rel: str, size: int, data: bytes | None, max_file_size: int, skipped: list[Skipped]) -> bool:
    """Record and return True for files the index does not keep: binaries and oversize files.
    Called first with the listed size (``data`` None), then with the bytes read: the name is
    looked at the first time only."""
    if data is None and os.path.splitext(rel.lower())[1] in _BINARY_EXT:
        skipped.append(Skipped(rel, "binary"))
        return True
    if size > max_file_size:
        skipped.append(Skipped(rel, f"larger than {max_file_size} bytes"))
        return True
    if data is not None and b"\0" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        skipped.append(Skipped(rel, "binary"))
        return True
    return False


def build_staged_index(root: Path, *, exclude: Sequence[str] = (), max_file_size: int = 2_000_000) -> RepoIndex:
    """The files staged for the next commit (added, copied, modified or retyped against HEAD), with
    the content they have in the git index, not in the work tree: what a pre-commit hook judges."""
    from readycheck.errors import TargetError
    from readycheck.index.staged import staged_blobs

    root = root.resolve()
    try:
        staged = staged_blobs(root, max_file_size)
    except LookupError as exc:
        raise TargetError(f"{root}: --staged needs a git repository ({exc})") from None
    exclude_match = _path_matcher(exclude) if exclude else None
    skipped: list[Skipped] = []
    files: list[SourceFile] = []
    for rel, size, data in staged:
        if exclude_match is not None and exclude_match(rel):
            continue
        if _in_skipped_dir(rel):
            continue
        if _skip_content(rel, size, None, max_file_size, skipped):
            continue
        if data is None:
            skipped.append(Skipped(rel, "unreadable in the git index"))
            continue
        if _skip_content(rel, len(data), data, max_file_size, skipped):
            continue
        files.append(SourceFile(_display(rel), str(root / rel), len(data), classify(rel), _decode(data)))
    files.sort(key=lambda f: f.path)
    skipped = sorted((Skipped(_display(s.path), s.reason) for s in skipped), key=lambda s: s.path)
    return RepoIndex(root, tuple(files), tuple(skipped), is_git=True)


def _walk(root: Path, skipped: list[Skipped]) -> Iterable[str]:
    """Files under root outside git: .gitignore files honoured at every level. Iterative (a
    folder nested thousands deep does not exhaust the interpreter's recursion limit) and never
    descends into a symlinked folder."""
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []

    def ignored(rel: str, is_dir: bool) -> bool:
        for base, spec in specs:
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1 :] if base else rel
            if spec.match_file(sub + ("/" if is_dir else "")):
                return True
        return False

    stack = [""]
    while stack:
        rel_dir = stack.pop()
        dirpath = os.path.join(root, rel_dir) if rel_dir else str(root)
        dirnames: list[str] = []
        filenames: list[str] = []
        links: set[str] = set()
        try:
            with os.scandir(dirpath) as it:
                for entry in it:
                    try:
                        is_dir = entry.is_dir()
                        if is_dir and entry.is_symlink():
                            links.add(entry.name)
                    except OSError:
                        is_dir = False
                    (dirnames if is_dir else filenames).append(entry.name)
        except OSError as exc:
            skipped.append(Skipped(rel_dir or ".", f"unreadable folder ({exc.strerror or type(exc).__name__})"))
            continue
        if ".gitignore" in filenames:
            try:
                with open(os.path.join(dirpath, ".gitignore"), encoding="utf-8", errors="replace") as fh:
                    specs.append((rel_dir, _gitignore(fh.read().splitlines())))
            except OSError:
                pass
        keep = []
        for d in sorted(dirnames):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if _skip_dir(d) or ignored(rel, True):
                continue
            if d in links:
                skipped.append(Skipped(rel, "symlinked folder not followed"))
                continue
            full = os.path.join(dirpath, d)
            if len(os.fsencode(full)) >= _PATH_MAX - 1:
                skipped.append(Skipped(rel, "path too long to open (nested too deep)"))
                continue
            if not os.access(full, os.R_OK | os.X_OK):
                skipped.append(Skipped(rel, "unreadable folder"))
                continue
            keep.append(rel)
        stack.extend(reversed(keep))  # depth first, in name order, like os.walk
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if not ignored(rel, False):
                yield rel

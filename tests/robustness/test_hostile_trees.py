"""Hostile trees (issue item 1): each tree is built in a temp dir and audited for real. The audit
must complete, exit 0 or 1 as its verdict says (never 2 or 3), say what it skipped and why
(`files.skipped_by_reason` in the JSON report), never read outside the target, and never name a
path outside it. The scanner's own rule (RC0201, hard-coded secrets) is the probe: a fake secret
placed where the audit must not look must not be found, one placed where it must look must be.
"""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

import readycheck.index as index_module
from readycheck.index import build_index
from tests.conftest import cli, git, init_repo
from tests.fakes import github_token
from tests.robustness.conftest import (
    assert_contained,
    audit_json,
    audit_subprocess,
    evidence_paths,
    one_error_line,
    skipped_reasons,
)

SECRETS = ("--select", "RC0201")


def _secret_file(path: Path, seed: str) -> str:
    """Write a Python file holding a fake token; return the token."""
    token = github_token(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'TOKEN = "{token}"\n')
    return token


@pytest.fixture
def outside(tmp_path: Path) -> tuple[Path, str]:
    """A folder next to the target (outside it) holding a fake secret: (folder, the token)."""
    folder = tmp_path / "outside"
    token = _secret_file(folder / "leak.py", "outside")
    return folder, token


@pytest.fixture
def target(tmp_path: Path) -> Path:
    root = tmp_path / "target"
    root.mkdir()
    (root / "app.py").write_text("print('hello')\n")
    return root


def _lstat_hook(monkeypatch: pytest.MonkeyPatch, name: str, action: Callable[[str], None]) -> None:
    """Run `action(path)` right after the index lstat()s the file called `name`: the file then
    changes between the listing and the read, as when a build or a checkout runs during the scan."""
    real_lstat = os.lstat

    def lstat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        st = real_lstat(path, *args, **kwargs)
        if os.fspath(path).endswith(os.sep + name):
            action(os.fspath(path))
        return st

    monkeypatch.setattr(index_module.os, "lstat", lstat)


# --- symlinks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("use_git", [False, True], ids=["folder", "git"])
def test_symlinks_out_of_the_root_are_skipped_and_never_read(
    target: Path, outside: tuple[Path, str], use_git: bool
) -> None:
    folder, token = outside
    (target / "leak.py").symlink_to(folder / "leak.py")  # a file outside
    (target / "elsewhere").symlink_to(folder, target_is_directory=True)  # a folder outside
    (target / "passwd").symlink_to("/etc/passwd")
    (target / "etc").symlink_to("/etc", target_is_directory=True)
    (target / "home").symlink_to(Path.home(), target_is_directory=True)
    (target / "up").symlink_to("..", target_is_directory=True)  # the target's parent, by a relative link
    (target / "loop-a").symlink_to("loop-b")
    (target / "loop-b").symlink_to("loop-a")
    (target / "self").symlink_to(".", target_is_directory=True)
    (target / "dangling.py").symlink_to(target / "missing.py")
    if use_git:
        init_repo(target)
    code, report, _ = audit_json(target, *SECRETS)
    out = str(report)
    assert token not in out and "leak.py" not in evidence_paths(report)
    assert report["results"][0]["status"] == "pass"
    reasons = skipped_reasons(report)
    assert reasons["symlink pointing outside the target"] >= 2  # leak.py, passwd (and the folders under git)
    assert reasons["broken or looping symlink"] == 3  # loop-a, loop-b, dangling.py
    if not use_git:
        assert reasons["symlinked folder not followed"] == 5  # elsewhere, etc, home, up, self
    assert_contained(report, folder, Path("/etc"), Path.home())
    assert _statuses(report)["RC0201"] == "pass"


def test_a_symlink_to_a_file_inside_the_root_is_read_once(target: Path) -> None:
    token = _secret_file(target / "real.py", "inside")
    (target / "alias.py").symlink_to("real.py")
    _, report, _ = audit_json(target, *SECRETS)
    assert evidence_paths(report) == {"real.py"}
    assert token not in str(report)


def test_a_tracked_path_through_a_folder_swapped_for_a_symlink_is_not_followed(
    target: Path, outside: tuple[Path, str]
) -> None:
    """git still lists `conf/leak.py` from its index after `conf` became a link to a folder
    outside: the path's folder is resolved and found outside, and the file is not read."""
    folder, token = outside
    (target / "conf").mkdir()
    (target / "conf" / "leak.py").write_text("x = 1\n")
    init_repo(target)
    (target / "conf" / "leak.py").unlink()
    (target / "conf").rmdir()
    (target / "conf").symlink_to(folder, target_is_directory=True)
    code, report, _ = audit_json(target, *SECRETS)
    assert "conf/leak.py" not in evidence_paths(report) and token not in str(report)
    assert skipped_reasons(report)["path leads outside the target through a symlinked folder"] == 1
    assert_contained(report, folder)
    assert _statuses(report)["RC0201"] == "pass"


# --- special files -------------------------------------------------------------------------------


def test_fifos_and_device_files_are_never_opened(target: Path) -> None:
    """Opening a FIFO for reading blocks until a writer comes: the audit runs in a child process
    whose timeout only proves it did not hang."""
    os.mkfifo(target / "pipe.py")
    (target / "null.py").symlink_to(os.devnull)
    devices = 0
    try:
        os.mknod(target / "zero.py", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero: endless
        devices = 1
    except (PermissionError, OSError):
        pass  # not allowed here (a container without CAP_MKNOD): the FIFO and the link still run
    code, report, _ = audit_subprocess(target, *SECRETS, timeout=120)
    reasons = skipped_reasons(report)
    assert reasons["not a regular file"] == 1 + devices
    assert reasons["symlink pointing outside the target"] == 1  # null.py -> /dev/null
    assert _statuses(report)["RC0201"] == "pass"


def test_a_file_swapped_for_a_fifo_after_the_listing_is_not_opened(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race the lstat() check alone cannot close: the file is regular when listed and a FIFO
    when opened. Run in a thread: a regression would block on the FIFO, and the join's timeout
    turns that into a failure instead of a hung suite."""
    (target / "swap.py").write_text("x = 1\n")

    def swap(path: str) -> None:
        os.unlink(path)
        os.mkfifo(path)

    _lstat_hook(monkeypatch, "swap.py", swap)
    box: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: box.setdefault("index", build_index(target, use_git=False)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():  # unblock the FIFO so that the thread can end, then fail
        with open(target / "swap.py", "wb"):
            pass
        pytest.fail("the index opened a FIFO and blocked")
    idx = box["index"]
    assert [f.path for f in idx.files] == ["app.py"]
    assert [(s.path, s.reason) for s in idx.skipped] == [("swap.py", "not a regular file")]


def test_a_file_deleted_between_listing_and_reading_is_skipped_with_the_reason(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _secret_file(target / "gone.py", "gone")
    _lstat_hook(monkeypatch, "gone.py", os.unlink)
    code, report, _ = audit_json(target, *SECRETS)
    assert skipped_reasons(report) == {"unreadable (No such file or directory)": 1}
    assert _statuses(report)["RC0201"] == "pass"


def test_a_file_that_grows_while_it_is_read_is_read_bounded(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small when listed, 3 MB when read (a log being written): the read stops past the size
    limit and the file is skipped as too large, never read whole."""
    (target / "growing.txt").write_text("start\n")

    def grow(path: str) -> None:
        with open(path, "ab") as fh:
            fh.write(b"x" * 3_000_000)

    _lstat_hook(monkeypatch, "growing.txt", grow)
    kept: list[int] = []
    real_read_regular = index_module._read_regular

    def read_regular(path: str, limit: int) -> bytes | None:
        data = real_read_regular(path, limit)
        if path.endswith("growing.txt"):
            kept.append(len(data or b""))
        return data

    monkeypatch.setattr(index_module, "_read_regular", read_regular)
    _, report, _ = audit_json(target, *SECRETS)
    assert skipped_reasons(report) == {"larger than 2000000 bytes": 1}
    assert kept == [2_000_001]  # one byte past the limit, not the 3 MB
    assert _statuses(report)["RC0201"] == "pass"


def test_a_file_that_shrinks_while_it_is_read_keeps_what_is_there(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _secret_file(target / "short.py", "short")
    (target / "short.py").write_text(f'TOKEN = "{token}"\n' + "# padding\n" * 1000)
    _lstat_hook(monkeypatch, "short.py", lambda path: os.truncate(path, len(token) + 12))
    code, report, _ = audit_json(target, *SECRETS)
    assert evidence_paths(report) == {"short.py"} and _statuses(report)["RC0201"] == "fail"


def test_an_unreadable_file_is_skipped_with_the_reason(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests run as root, whom chmod 000 does not stop: the one os.open() of that file is
    made to fail with EACCES instead, which is what a non-root audit meets."""
    _secret_file(target / "locked.py", "locked")
    real_open = os.open

    def guarded(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if os.fspath(path).endswith(os.sep + "locked.py"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(index_module.os, "open", guarded)
    code, report, _ = audit_json(target, *SECRETS)
    assert skipped_reasons(report) == {"unreadable (Permission denied)": 1}
    assert _statuses(report)["RC0201"] == "pass"


def test_unreadable_folders_are_skipped_with_the_reason(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, access() and scandir() succeed on a chmod 000 folder: they are made to fail for
    the two folders concerned, as they do for a non-root user (one denied by access(), one that
    passes it but cannot be listed, like a folder whose mode changed in between)."""
    _secret_file(target / "private" / "key.py", "private")
    _secret_file(target / "racy" / "key.py", "racy")
    real_access, real_scandir = os.access, os.scandir

    def access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
        return False if os.fspath(path).endswith(os.sep + "private") else real_access(path, mode, *args, **kwargs)

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path).endswith(os.sep + "racy"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(index_module.os, "access", access)
    monkeypatch.setattr(index_module.os, "scandir", scandir)
    code, report, _ = audit_json(target, *SECRETS)
    assert skipped_reasons(report) == {"unreadable folder": 1, "unreadable folder (Permission denied)": 1}
    assert _statuses(report)["RC0201"] == "pass"


# --- sizes, shapes, encodings --------------------------------------------------------------------


def test_a_100_mb_file_is_skipped_as_too_large_without_being_read(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open(target / "dump.sql", "wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: instant, and no disk used
    opened: list[str] = []
    real_read_regular = index_module._read_regular
    monkeypatch.setattr(index_module, "_read_regular", lambda path, limit: opened.append(path) or real_read_regular(path, limit))
    code, report, _ = audit_json(target, *SECRETS)
    assert skipped_reasons(report) == {"larger than 2000000 bytes": 1}
    assert not any(p.endswith("dump.sql") for p in opened)
    assert _statuses(report)["RC0201"] == "pass"


def test_a_one_megabyte_single_line_bundle_is_scanned_as_text(target: Path) -> None:
    token = github_token("bundle-1mb")
    body = "".join(f"var a{i}=require('m{i}');a{i}.call({i});" for i in range(30_000))[:1_000_000]
    (target / "bundle.js").write_text(body + f";var t='{token}';\n")
    code, report, _ = audit_json(target)
    assert "bundle.js" in evidence_paths(report) and token not in str(report)
    assert "1 file(s) could not be parsed and were read as text only" in report["notes"]
    assert code == 1  # the whole audit: a hard-coded secret is NO-GO


def test_invalid_utf8_utf16_and_nul_bytes(target: Path) -> None:
    """Bad UTF-8 is decoded with replacement (a secret in it is still found); UTF-16 with a BOM
    is decoded as such; a file with NUL bytes early on is binary, one with a NUL late is text."""
    t8, t16, tlate = github_token("utf8"), github_token("utf16"), github_token("late")
    (target / "latin.py").write_bytes(b"# caf\xe9 \xff\xfe\xc3(\n" + f'TOKEN = "{t8}"\n'.encode())
    (target / "wide.py").write_bytes(f'TOKEN = "{t16}"\n'.encode("utf-16"))  # BOM + UTF-16-LE
    (target / "blob.py").write_bytes(b"x = 1\0\0\0" + f'TOKEN = "{github_token("nul")}"\n'.encode())
    (target / "late.py").write_bytes(f'TOKEN = "{tlate}"\n'.encode() + b"#" * 9000 + b"\0\n")
    code, report, _ = audit_json(target, *SECRETS)
    assert evidence_paths(report) == {"latin.py", "wide.py", "late.py"}
    assert skipped_reasons(report) == {"binary": 1, "cannot parse: NUL bytes in the source": 1}
    assert not any(t in str(report) for t in (t8, t16, tlate))
    assert _statuses(report)["RC0201"] == "fail"


@pytest.mark.parametrize("use_git", [False, True], ids=["folder", "git"])
def test_hostile_file_names_are_reported_exactly_and_neutralised_in_text(target: Path, use_git: bool) -> None:
    names = [
        "new\nline.py",
        "esc\x1b[31mred\x1b]0;title\x07.py",
        "ünïcødé-日本.py",
        "$(touch pwned);`id`&|<>*?.py",
        "-rf.py",
        " lead and trail .py",
    ]
    for i, name in enumerate(names):
        _secret_file(target / name, f"name-{i}")
    os.close(os.open(os.fsencode(target) + b"/bad-\xff\xfe.py", os.O_CREAT | os.O_WRONLY, 0o644))
    with open(os.fsencode(target) + b"/bad-\xff\xfe.py", "w") as fh:
        fh.write(f'TOKEN = "{github_token("badname")}"\n')
    if use_git:
        init_repo(target)
    code, report, _ = audit_json(target, *SECRETS)
    assert evidence_paths(report) == set(names) | {"bad-\\xff\\xfe.py"}
    assert not (target / "pwned").exists() and not (Path.cwd() / "pwned").exists()
    assert _statuses(report)["RC0201"] == "fail"
    # The text report (stdout) and a report file must not carry the raw control characters.
    code, out, err = cli("audit", str(target), *SECRETS, "--no-cache", "--no-color")
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out
    assert not any(line.startswith("line.py") for line in out.splitlines())
    code, _, err = cli("audit", str(target), *SECRETS, "--no-cache", "-f", f"json={target.parent / 'r.json'}")
    assert code == 1, err


# --- scale ---------------------------------------------------------------------------------------


def test_twenty_thousand_files_in_one_folder(target: Path) -> None:
    """The CI variant of a million tiny files (the full run is in the issue's note)."""
    crowd = target / "crowd"
    crowd.mkdir()
    for i in range(20_000):
        with open(crowd / f"f{i:05d}.txt", "w") as fh:
            fh.write("x\n")
    token = _secret_file(crowd / "zz-needle.py", "needle")
    code, report, _ = audit_json(target, *SECRETS)
    assert report["files"]["scanned"] == 20_002
    assert evidence_paths(report) == {"crowd/zz-needle.py"} and token not in str(report)


def _nest(root: Path, depth: int) -> None:
    """Make `depth` nested folders named `d` under root, relative to open folder descriptors (a
    path this long cannot be given to mkdir whole), with a fake secret at the bottom."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        leaf = os.open("key.py", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd)
        os.write(leaf, f'TOKEN = "{github_token("deep")}"\n'.encode())
        os.close(leaf)
    finally:
        os.close(fd)


def _unnest(root: Path) -> None:
    """Remove the nested folders bottom up. shutil.rmtree (and so pytest's clean-up of old temp
    dirs, in every later session) recurses once per level and fails past 1,000."""
    fds = [os.open(root, os.O_RDONLY)]
    try:
        while "d" in os.listdir(fds[-1]):
            fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
        while fds:
            fd = fds.pop()
            for name in os.listdir(fd):
                if name != "d":
                    os.unlink(name, dir_fd=fd)
            if fds:
                os.rmdir("d", dir_fd=fds[-1])
            os.close(fd)
    finally:
        for fd in fds:
            os.close(fd)


@pytest.fixture
def nested(target: Path) -> Iterator[Callable[[int], None]]:
    yield lambda depth: _nest(target, depth)
    _unnest(target)


def test_folders_nested_deeper_than_the_recursion_limit(target: Path, nested: Callable[[int], None]) -> None:
    """1,200 levels (past Python's default recursion limit of 1,000, under PATH_MAX): walked, and
    the file at the bottom is scanned."""
    nested(1200)
    code, report, _ = audit_json(target, *SECRETS)
    assert evidence_paths(report) == {"d/" * 1200 + "key.py"}


def test_folders_nested_past_path_max_are_skipped_with_the_reason(target: Path, nested: Callable[[int], None]) -> None:
    nested(2100)  # 4,200 characters of path: no system call takes it whole
    code, report, _ = audit_json(target, *SECRETS)
    assert skipped_reasons(report) == {"path too long to open (nested too deep)": 1}
    assert _statuses(report)["RC0201"] == "pass"


# --- git states ----------------------------------------------------------------------------------


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def _history_repo(path: Path) -> str:
    """A repository whose first commit added a secret and whose second removed it; two branches
    that conflict (main and feature). Returns the secret."""
    path.mkdir()
    token = _secret_file(path / "settings.py", "history")
    (path / "app.py").write_text("x = 1\n")
    init_repo(path)
    (path / "settings.py").write_text("import os\nTOKEN = os.environ['TOKEN']\n")
    _commit(path, "read the token from the environment")
    git(path, "checkout", "-q", "-b", "feature")
    (path / "app.py").write_text("x = 2\n")
    _commit(path, "feature")
    git(path, "checkout", "-q", "main")
    (path / "app.py").write_text("x = 3\n")
    _commit(path, "main moves on")
    return token


def _audit_modes(target: Path, modes: tuple[tuple[str, ...], ...]) -> dict[str, dict[str, Any]]:
    out = {}
    for mode in modes:
        _, report, _ = audit_json(target, *SECRETS, "--select", "RC0203", *mode)
        assert_contained(report)
        out[" ".join(mode) or "full"] = report
    return out


ALL_MODES: tuple[tuple[str, ...], ...] = ((), ("--history",), ("--staged",), ("--diff", "main"))


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["status"] for r in report["results"]}


@pytest.mark.parametrize("dot_git", [None, "gitdir: /nonexistent/modules/x\n"], ids=["no-git", "dangling-git-file"])
def test_a_folder_outside_git_is_audited_and_git_modes_say_why_they_cannot_run(target: Path, dot_git: str | None) -> None:
    if dot_git is not None:
        (target / ".git").write_text(dot_git)  # a worktree or submodule whose repository is gone
    token = _secret_file(target / "key.py", "plain")
    _, report, _ = audit_json(target, *SECRETS)
    assert report["target"]["git"] is None
    assert evidence_paths(report) == {"key.py"} and token not in str(report)
    _, report, _ = audit_json(target, *SECRETS, "--select", "RC0203", "--history")
    assert _statuses(report)["RC0201"] == "fail"
    for mode, expected in ((("--staged",), "--staged needs a git repository"), (("--diff", "main"), "--diff needs a git repository")):
        code, out, err = cli("audit", str(target), *SECRETS, "--no-cache", *mode)
        assert code == 2 and out == "" and expected in one_error_line(err)


def test_a_repository_mid_rebase_is_audited_in_every_mode(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    token = _history_repo(repo)
    git(repo, "checkout", "-q", "feature")
    result = subprocess.run(["git", "rebase", "main"], cwd=repo, capture_output=True, text=True,
                            env={**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "d@e.x",
                                 "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "d@e.x", "HOME": str(repo)})
    assert result.returncode != 0 and (repo / ".git" / "rebase-merge").exists()  # stopped on the conflict
    reports = _audit_modes(repo, ALL_MODES)
    assert _statuses(reports["--history"])["RC0203"] == "fail"
    assert reports["--diff main"]["diff"]["ref"] == "main"
    assert not any(token in str(r) for r in reports.values())


def test_a_shallow_clone_is_audited_in_every_mode(tmp_path: Path) -> None:
    source = tmp_path / "source"
    token = _history_repo(source)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{source}", str(clone))
    reports = _audit_modes(clone, ALL_MODES)
    assert _statuses(reports["--history"])["RC0203"] == "pass"  # the secret's commit was not fetched
    assert not any(token in str(r) for r in reports.values())


def test_a_bare_repository_is_one_clear_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "source"
    _history_repo(source)
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(bare))
    for mode in ALL_MODES:
        code, out, err = cli("audit", str(bare), "--no-cache", *mode)
        assert code == 2 and out == ""
        assert "bare git repository" in one_error_line(err)
    code, _, err = cli("audit", str(source / ".git"), "--no-cache")
    assert code == 2 and "bare git repository" in one_error_line(err)


def test_a_worktree_with_a_git_file_is_audited_in_every_mode(tmp_path: Path) -> None:
    source = tmp_path / "source"
    token = _history_repo(source)
    worktree = tmp_path / "wt"
    git(source, "worktree", "add", "-q", str(worktree), "feature")
    assert (worktree / ".git").is_file()
    reports = _audit_modes(worktree, ALL_MODES)
    assert reports["full"]["target"]["git"]["branch"] == "feature"
    assert _statuses(reports["--history"])["RC0203"] == "fail"
    assert not any(token in str(r) for r in reports.values())


def test_a_submodule_checkout_is_audited_in_every_mode(tmp_path: Path) -> None:
    source = tmp_path / "source"
    _history_repo(source)
    parent = tmp_path / "parent"
    parent.mkdir()
    (parent / "README.md").write_text("# parent\n")
    init_repo(parent)
    git(parent, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(source), "vendored")
    _commit(parent, "add the submodule")
    sub = parent / "vendored"
    assert (sub / ".git").is_file()
    reports = _audit_modes(sub, ALL_MODES)
    assert reports["full"]["target"]["git"]["commit"]
    assert _statuses(reports["--history"])["RC0203"] == "fail"
    # The parent, with the submodule in it, is audited too; the submodule's files are its own.
    _, report, _ = audit_json(parent, *SECRETS)
    assert_contained(report)


@pytest.mark.parametrize("mode", ALL_MODES, ids=["full", "history", "staged", "diff"])
def test_a_repository_config_never_makes_the_audit_run_a_command(tmp_path: Path, mode: tuple[str, ...]) -> None:
    """A `.git/config` that came with the tree (a tarball, a CI cache) names commands git runs
    as a side effect of reading: core.fsmonitor (git status), a clean filter (work-tree diffs), a
    textconv driver (patches). None of them may run."""
    repo = tmp_path / "repo"
    _history_repo(repo)
    marker = tmp_path / "pwned"
    (repo / ".gitattributes").write_text("*.py filter=evil diff=evil\n")
    _commit(repo, "attributes")
    git(repo, "config", "core.fsmonitor", f"touch {marker}-fsmonitor; false")
    git(repo, "config", "filter.evil.clean", f"touch {marker}-filter; cat")
    git(repo, "config", "filter.evil.process", f"touch {marker}-process")
    git(repo, "config", "diff.evil.textconv", f"touch {marker}-textconv; cat")
    (repo / "app.py").write_text("x = 4\n")  # a work-tree change: git must compare contents
    _audit_modes(repo, (mode,))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("pwned")) == []

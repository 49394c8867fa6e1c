"""The report names every skipped file with its reason (JSON up to a cap, text the first ten)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from readycheck.model import SKIPPED_LISTED
from tests.conftest import cli


def test_skipped_files_are_named_with_their_reason(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import os\n")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (tmp_path / "dump.json").write_bytes(b"{" + b" " * 10 + b"\0\0binary")
    os.mkfifo(tmp_path / "pipe.py")
    os.symlink("/etc/hostname", tmp_path / "outside.txt")
    code, out, _ = cli("audit", str(tmp_path), "--format", "json", "--no-cache", "--select", "RC0201")
    assert code in (0, 1)
    files = json.loads(out)["files"]
    listed = {s["path"]: s["reason"] for s in files["skipped_files"]}
    assert listed == {
        "dump.json": "binary",
        "logo.png": "binary",
        "outside.txt": "symlink pointing outside the target",
        "pipe.py": "not a regular file",
    }
    assert files["skipped"] == 4
    code, text, _ = cli("audit", str(tmp_path), "--no-color", "--no-cache", "--select", "RC0201")
    assert "  pipe.py: not a regular file" in text and "  outside.txt: symlink pointing outside the target" in text


def test_the_listing_is_capped_but_the_count_is_whole(tmp_path: Path) -> None:
    for i in range(SKIPPED_LISTED + 5):
        (tmp_path / f"img{i:05}.png").write_bytes(b"x")
    code, out, _ = cli("audit", str(tmp_path), "--format", "json", "--no-cache", "--select", "RC0201")
    files = json.loads(out)["files"]
    assert files["skipped"] == SKIPPED_LISTED + 5
    assert len(files["skipped_files"]) == SKIPPED_LISTED
    code, text, _ = cli("audit", str(tmp_path), "--no-color", "--no-cache", "--select", "RC0201")
    assert f"... and {SKIPPED_LISTED + 5 - 10} more" in text

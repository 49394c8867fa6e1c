"""Reporter tests: real audits of the sample projects, rendered in each format.

Helpers shared by the reporter test modules; each module audits every sample once (module-scoped
fixtures), as a git repository with the release tags its end-to-end test gives it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Callable, Optional

from readycheck.config import load_policy
from readycheck.engine import run_audit
from readycheck.model import Report
from readycheck.registry import load_registry
from tests.conftest import ROOT, SAMPLES, init_repo

SCHEMAS = ROOT / "tests" / "schemas"
SAMPLE_TAGS: dict[str, tuple[str, ...]] = {
    "quickbot-nogo": (),
    "support-agent-go": ("v1.4.0", "v1.4.1", "v1.4.2"),
    "docs-assistant-ts": ("v0.9.0", "v0.9.1"),
}

# Where the NO-GO sample plants its fake keys (file, line); values read with a plain assignment
# pattern, independent of readycheck's own rules (as tests/e2e/test_no_secret_leaks.py does).
PLANTED = [("llm.py", 6), ("config.py", 14), ("config.py", 15), (".env", 1), (".env", 2)]
_VALUE = re.compile(r"""=\s*["']?([^"'\s]{16,})["']?\s*$""")
WINDOW = 12


def audit_sample(base: Path, name: str, edit: Optional[Callable[[Path], None]] = None) -> Report:
    """Copy sample ``name`` under ``base``, let ``edit`` change it, commit it and audit it."""
    dest = base / name
    shutil.copytree(SAMPLES / name, dest)
    if edit is not None:
        edit(dest)
    init_repo(dest, SAMPLE_TAGS[name])
    policy = load_policy(dest)
    registry = load_registry(policy.checks_dirs)
    return run_audit(dest, policy, registry, registry.select(policy.select, policy.extend_select, policy.ignore))


def planted_secrets() -> list[str]:
    values = []
    for name, line in PLANTED:
        text = (SAMPLES / "quickbot-nogo" / name).read_text(encoding="utf-8").splitlines()[line - 1]
        match = _VALUE.search(text)
        assert match, f"{name}:{line} no longer plants a value"
        values.append(match.group(1))
    return values


def leaks(output: str) -> list[str]:
    """The planted secrets of which ``output`` holds any 12-character piece (shown truncated)."""
    found = []
    for secret in planted_secrets():
        pieces = {secret[i : i + WINDOW] for i in range(len(secret) - WINDOW + 1)}
        if any(p in output for p in pieces):
            found.append(secret[:4] + "…")
    return found


def ignore_llm_key(root: Path) -> None:
    """Add an inline suppression of RC0201 (and RC0204) on the planted key's line of llm.py."""
    path = root / "llm.py"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].rstrip("\n") + "  # readycheck: ignore[RC0201, RC0204]\n"
    path.write_text("".join(lines), encoding="utf-8")

"""The HTML report, opened in a real headless Chromium: what a person sees, what the page may do.

The two sample projects are audited for real, rendered, written to a temporary file and opened
through a file:// URL. One browser serves the whole module. Without Chromium (Debian's `chromium`,
/usr/bin/chromium) or Playwright's Python package, the browser tests skip, or fail when $CI is set
(CI installs Chromium, see .ci/run).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from readycheck.config import load_policy
from readycheck.engine import run_audit
from readycheck.model import Evidence, Report, Status
from readycheck.registry import load_registry
from readycheck.reporters.html import CSP, render

from tests.conftest import SAMPLES, init_repo
from tests.e2e.test_no_secret_leaks import _leaks, _planted

CHROMIUM = os.environ.get("READYCHECK_CHROMIUM") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else shutil.which("chromium") or "/usr/bin/chromium"
)
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PLANTED_NAME = "<script>alert(1)</script>.py"
PLANTED_SNIPPET = '"><img src=x onerror=alert(2)><script>alert(3)</script>'


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}: CI must provide it to test the HTML report (see .ci/run)", pytrace=False)
    pytest.skip(why)


# ---------------------------------------------------------------------------------------- fixtures

def _audit(root: Path) -> Report:
    policy = load_policy(root)
    registry = load_registry(policy.checks_dirs, plugins=False)
    specs = registry.select(policy.select, policy.extend_select, policy.ignore)
    return run_audit(root, policy, registry, specs)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Report]]:
    base = tmp_path_factory.mktemp("samples")
    out = {}
    for name, tags in (("quickbot-nogo", ()), ("support-agent-go", ("v1.4.0", "v1.4.1", "v1.4.2"))):
        dest = base / name
        shutil.copytree(SAMPLES / name, dest)
        init_repo(dest, tags)
        out[name] = (dest, _audit(dest))
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install playwright)")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class Opened:
    """A report open in a page, with everything the page tried to do."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda req: self.requests.append(req.url))
        page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.goto(url, wait_until="load")

    def check(self, status: str) -> Any:
        return self.page.locator(f"article.check[data-status='{status}']")


@pytest.fixture
def open_report(browser: Any, tmp_path: Path) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_(report: Report, name: str) -> Opened:
        path = tmp_path / f"{name}.html"
        path.write_text(render(report), encoding="utf-8")
        context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=True)
        contexts.append(context)
        return Opened(context.new_page(), path.as_uri())

    yield open_
    for context in contexts:
        context.close()


def _screenshot_dir(tmp_path: Path) -> Path:
    where = os.environ.get("READYCHECK_SCREENSHOT_DIR")
    path = Path(where) if where else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def _rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return r, g, b


def _assert_clean(opened: Opened) -> None:
    assert opened.console_errors == []
    assert opened.dialogs == []
    assert opened.requests == [opened.url], "the report must not fetch anything"


# ------------------------------------------------------------------------------------ static tests

def test_document_is_self_contained(samples: dict[str, tuple[Path, Report]]) -> None:
    page = render(samples["quickbot-nogo"][1])
    assert page.startswith("<!DOCTYPE html>")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    # Links in the checks' docs stay plain text: no attribute of any tag holds a URL.
    for tag in re.findall(r"<[a-zA-Z][^>]*>", page):
        assert "//" not in tag, tag
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert page.count("<script>") == 1  # ours, inline


def test_repository_content_is_escaped(samples: dict[str, tuple[Path, Report]]) -> None:
    report = _planted_report(samples["quickbot-nogo"][1])
    page = render(report)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.py" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "\u202e" not in page and "\x00" not in page


def test_edge_reports_render(samples: dict[str, tuple[Path, Report]]) -> None:
    from readycheck.reporters import render as render_any

    report = samples["quickbot-nogo"][1]
    assert render_any(report, "html") == render(report)
    bare = dataclasses.replace(
        report, git=None, results=(), questions=(), mode="staged",
        notes=("cloud: aws account 123456789012 <eu-west-1>, every service read",),
    )
    page = render(bare)
    assert "not checked" in page and "staged" in page and "Commit" not in page
    assert "cloud: aws account 123456789012 &lt;eu-west-1&gt;, every service read" in page


# ----------------------------------------------------------------------------------- browser tests

def _planted_report(report: Report) -> Report:
    """The report with hostile repository content in a file name, a snippet and a message."""
    failing = next(i for i, r in enumerate(report.results) if r.status is Status.FAIL)
    r = report.results[failing]
    hostile = Evidence(path=PLANTED_NAME, line=3, snippet=PLANTED_SNIPPET, note="bidi \u202e and nul \x00")
    planted = dataclasses.replace(r, evidence=(hostile, *r.evidence), message=r.message + " <b>bold?</b>")
    results = list(report.results)
    results[failing] = planted
    return dataclasses.replace(report, results=tuple(results))


def test_no_go_report_in_a_browser(samples: dict[str, tuple[Path, Report]], open_report: Any, tmp_path: Path) -> None:
    root, report = samples["quickbot-nogo"]
    opened = open_report(report, "quickbot-nogo")
    page = opened.page

    # The verdict, prominent and red, with its reason.
    word = page.locator(".verdict-word")
    assert word.is_visible() and word.inner_text() == "NO-GO"
    r, g, b = _rgb(word.evaluate("e => getComputedStyle(e).backgroundColor"))
    assert r > 150 and g < 80 and b < 80, (r, g, b)
    assert page.get_by_text(report.verdict_reason, exact=False).first.is_visible()

    # The five questions, each with its answer in words.
    rows = page.locator("#questions tbody tr")
    assert rows.count() == 5
    for qa in report.questions:
        row = rows.filter(has_text=qa.question.text)
        assert row.is_visible()
        assert qa.answer.value in row.locator(".badge").inner_text()

    # The phases, in the checklist's order.
    headings = page.locator("section.phase > h2").all_inner_texts()
    assert headings[:4] == ["Phase 1: Pre-flight", "Phase 2: Reliability", "Phase 3: Security", "Phase 4: Operations"]
    assert "Go/No-Go" in headings[4]
    for h in headings:
        assert page.get_by_role("heading", name=h, exact=True).is_visible()

    # A failing check with its evidence, status in words as well as colour.
    secret = page.locator("article.check[data-status='fail']", has=page.locator("code.loc", has_text=re.compile(r"^llm\.py:6$")))
    assert secret.count() >= 1 and secret.first.is_visible()
    assert "FAIL" in secret.first.locator(".badge").first.inner_text()
    assert secret.first.locator("code.loc", has_text=re.compile(r"^llm\.py:6$")).is_visible()
    summary = report.summary()
    assert page.locator("#shown-count").inner_text() == f"Showing {len(report.results)} of {len(report.results)} checks."

    # Status filter: unchecking "pass" hides every passing check, checking it again shows them.
    passing, failing = opened.check("pass"), opened.check("fail")
    assert summary["pass"] > 0 and passing.first.is_visible()
    page.locator("#f-status-pass").uncheck()
    assert all(not passing.nth(i).is_visible() for i in range(passing.count()))
    assert failing.first.is_visible()
    shown = len(report.results) - summary["pass"]
    assert page.locator("#shown-count").inner_text() == f"Showing {shown} of {len(report.results)} checks."
    page.get_by_label(re.compile(r"PASS \(\d+\)")).check()  # through its label, as a person would
    assert all(passing.nth(i).is_visible() for i in range(passing.count()))

    # Severity filter.
    severities = {r.effective_severity.value for r in report.results}
    assert len(severities) > 1
    sev = report.results[0].effective_severity.value
    page.locator(f"#f-severity-{sev}").uncheck()
    of_sev = page.locator(f"article.check[data-severity='{sev}']")
    others = page.locator(f"article.check:not([data-severity='{sev}'])")
    assert all(not of_sev.nth(i).is_visible() for i in range(of_sev.count()))
    assert any(others.nth(i).is_visible() for i in range(others.count()))
    page.locator(f"#f-severity-{sev}").check()
    assert of_sev.first.is_visible()

    # No planted key reaches the page, in its text or its markup.
    secrets = _planted(root)
    assert _leaks(page.inner_text("body"), secrets) == []
    assert _leaks(page.content(), secrets) == []

    shot = _screenshot_dir(tmp_path) / "readycheck-report-nogo.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000

    # Printing hides the filter controls but keeps the verdict and the checks.
    page.emulate_media(media="print")
    assert not page.locator("#filters").is_visible()
    assert word.is_visible() and failing.first.is_visible()
    _assert_clean(opened)


def test_go_report_in_a_browser(samples: dict[str, tuple[Path, Report]], open_report: Any, tmp_path: Path) -> None:
    report = samples["support-agent-go"][1]
    assert report.verdict.value == "GO", report.verdict_reason
    opened = open_report(report, "support-agent-go")
    page = opened.page
    word = page.locator(".verdict-word")
    assert word.is_visible() and word.inner_text() == "GO"
    r, g, b = _rgb(word.evaluate("e => getComputedStyle(e).backgroundColor"))
    assert g > 100 and r < 80 and b < 100, (r, g, b)
    assert page.locator("#questions tbody tr").count() == 5
    assert page.locator("#questions .badge", has_text="yes").count() == 5
    assert page.locator("header").get_by_text(str(report.git["commit"]) if report.git else "").is_visible()
    assert page.locator("header").get_by_text("main", exact=True).is_visible()
    assert opened.check("fail").count() == 0
    shot = _screenshot_dir(tmp_path) / "readycheck-report-go.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    _assert_clean(opened)


def test_hostile_content_stays_text_in_a_browser(samples: dict[str, tuple[Path, Report]], open_report: Any) -> None:
    opened = open_report(_planted_report(samples["quickbot-nogo"][1]), "hostile")
    page = opened.page
    loc = page.locator("code.loc", has_text=PLANTED_NAME + ":3")
    assert loc.is_visible() and loc.inner_text() == PLANTED_NAME + ":3"
    assert page.locator("code.snippet", has_text=PLANTED_SNIPPET).is_visible()
    assert page.locator("img").count() == 0 and page.locator("b").count() == 0
    assert page.locator("script").count() == 1
    assert page.evaluate("() => document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content") == CSP
    _assert_clean(opened)

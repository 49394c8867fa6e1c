"""The command line: a thin typer app. Commands parse options and call plain functions that return
exit codes; one handler turns errors into one clear line."""

from __future__ import annotations

import gc
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

import typer

from readycheck import __version__
from readycheck.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, ReadycheckError, TargetError, UsageError

if TYPE_CHECKING:
    from readycheck.cloud import CloudScope, CloudSnapshot
    from readycheck.config import Policy
    from readycheck.model import Report

__all__ = ["app", "main"]

app = typer.Typer(
    name="readycheck",
    help="Go/No-Go production-readiness audit for AI agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
checks_app = typer.Typer(help="List and explain the checks.", no_args_is_help=True)
app.add_typer(checks_app, name="checks")
cloud_app = typer.Typer(help="Read a live cloud account into a snapshot that audits can use offline.", no_args_is_help=True)
app.add_typer(cloud_app, name="cloud")
report_app = typer.Typer(help="Compare reports, and merge many repositories' reports into one view.", no_args_is_help=True)
app.add_typer(report_app, name="report")


class ListFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


class SchemaName(str, Enum):
    report = "report"
    config = "config"
    check = "check"
    baseline = "baseline"
    secret_rules = "secret-rules"
    snapshot = "snapshot"


def _split(values: Optional[List[str]]) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return out


def _use_color(no_color: bool) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _write_output(text: str, output: Optional[Path]) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from readycheck._io import write_atomic

    try:
        write_atomic(output, text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"readycheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
) -> None:
    """readycheck tells a team, before it deploys an AI agent, whether it is ready: GO or NO-GO."""


@app.command()
def audit(
    path: Path = typer.Argument(Path("."), help="The repository or folder to audit."),
    fmt: Optional[List[str]] = typer.Option(
        None,
        "--format",
        "-f",
        metavar="FORMAT[=FILE]",
        help="Report format: text (default), json, sarif, junit, markdown or html. Repeat it for several reports of one audit: "
        "each --format takes the --output of the same rank, or FORMAT=FILE; at most one report goes to stdout.",
    ),
    output: Optional[List[Path]] = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout (one per --format)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Configuration file (default: readycheck.yaml or [tool.readycheck] in the target)."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Run only these checks (ids, id prefixes, slugs, item slugs, tags; comma-separated)."),
    extend_select: Optional[List[str]] = typer.Option(None, "--extend-select", help="Add these checks to the selection."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Leave these checks out."),
    fail_on: Optional[str] = typer.Option(
        None,
        "--fail-on",
        metavar="[no-go|warn|never|critical|high|medium|low]",
        help="When to exit 1: on NO-GO (default), on any warning, never, or on NO-GO and on any counted failure or warning of at least this severity.",
    ),
    profile: Optional[str] = typer.Option(None, "--profile", metavar="NAME", envvar="READYCHECK_PROFILE", help="Merge this environment profile of the configuration (profiles:) over it."),
    diff: Optional[str] = typer.Option(None, "--diff", metavar="REF", help="Changed-only mode for PR gates: findings of file-level checks on lines unchanged since the merge base of REF and HEAD do not count."),
    staged: bool = typer.Option(False, "--staged", help="Judge only the files staged for commit, as staged in the git index (for pre-commit hooks)."),
    history: bool = typer.Option(False, "--history", help="Also scan every commit reachable from HEAD for secrets."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Baseline of accepted findings (default: .readycheck-baseline.json when present)."),
    no_baseline: bool = typer.Option(False, "--no-baseline", help="Ignore any baseline: every finding counts."),
    no_inline_suppressions: bool = typer.Option(False, "--no-inline-suppressions", help="Do not honour `readycheck: ignore[...]` comments."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Parse every file afresh: neither read nor write the parse cache (~/.cache/readycheck)."),
    aws: bool = typer.Option(False, "--aws", help="Also audit the live AWS account (read-only, through boto3 and the standard credential chain)."),
    cloud_snapshot: Optional[Path] = typer.Option(None, "--cloud-snapshot", help="Audit the cloud account as recorded in this snapshot file (`readycheck cloud snapshot`)."),
    aws_profile: Optional[str] = typer.Option(None, "--aws-profile", help="With --aws: the AWS profile to use (default: cloud.profile, then the credential chain)."),
    aws_region: Optional[List[str]] = typer.Option(None, "--aws-region", help="With --aws: the regions to read (repeatable; default: cloud.regions, then the profile's region)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the verdict and the failures."),
    no_color: bool = typer.Option(False, "--no-color", help="No colours (also: NO_COLOR=1)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
) -> None:
    """Audit PATH and print the Go/No-Go report. Exit 0 GO, 1 NO-GO, 2 usage or config error."""
    from readycheck.config import FAIL_ON, load_policy
    from readycheck.reporters import render
    from readycheck.verdict import exit_code_for

    if staged and history:
        raise UsageError("--staged and --history do not go together: a pre-commit hook judges the staged files, --history the commits")
    if staged and diff is not None:
        raise UsageError("--diff and --staged do not go together: a pre-commit hook judges the staged files, --diff a branch's changes")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on: '{fail_on}' is not one of {', '.join(FAIL_ON)}")
    if aws and cloud_snapshot is not None:
        raise UsageError("--aws and --cloud-snapshot do not go together: audit the live account or a snapshot of it")
    if staged and (aws or cloud_snapshot is not None):
        raise UsageError("--staged judges the staged files only; the cloud account needs a full audit")
    if (aws_profile or aws_region) and not aws:
        raise UsageError("--aws-profile and --aws-region go with --aws")
    reports = _destinations(fmt or [], output or [])
    target = _target(path)
    policy = load_policy(
        target,
        config_file=config,
        select=_split(select) or None,
        extend_select=_split(extend_select),
        ignore=_split(ignore),
        fail_on=fail_on,
        baseline=baseline,
        use_baseline=not no_baseline,
        inline_suppressions=False if no_inline_suppressions else None,
        staged=staged,
        history=history,
        profile=profile,
        diff_ref=diff,
        cache=False if no_cache else None,
    )
    to_stdout = next((name for name, file in reports if file is None), None)
    show = sys.stderr.isatty() and not quiet and to_stdout in ("text", None)
    cloud = None
    if cloud_snapshot is not None:
        from readycheck.cloud import load_snapshot

        cloud = load_snapshot(cloud_snapshot, _scope(policy))
    elif aws:
        from readycheck.cloud import CloudSnapshot

        data = _collect(policy, aws_profile, _split(aws_region), show_progress=show)
        cloud = CloudSnapshot(data, _scope(policy), source="live")
    report = _run(target, policy, show_progress=show, cloud=cloud)
    written = []
    for name, file in reports:
        _write_output(render(report, name, color=_use_color(no_color) and file is None, quiet=quiet), file)
        if file is not None:
            written.append(str(file))
    _step_summary(report, reports)
    if written and not quiet:
        typer.echo(f"readycheck: {report.verdict.value} — report written to {', '.join(written)}", err=True)
    raise typer.Exit(exit_code_for(report.verdict, report.results, policy.fail_on))


def _destinations(formats: list[str], outputs: list[Path]) -> list[tuple[str, Optional[Path]]]:
    """Pair each requested format with its file (None: stdout). `--format X --output F` pairs by
    rank; `--format X=F` names its own file; at most one report may go to stdout."""
    from readycheck.reporters import FORMATS

    plain: list[str] = []
    named: list[tuple[str, Optional[Path]]] = []
    for spec in formats or ["text"]:
        name, sep, file = spec.partition("=")
        name = name.strip().lower()
        if name not in FORMATS:
            raise UsageError(f"--format: unknown format '{name}' (choose from {', '.join(FORMATS)})")
        if sep:
            if not file:
                raise UsageError(f"--format {name}=: the file name is missing")
            named.append((name, Path(file)))
        else:
            plain.append(name)
    if outputs and len(outputs) != len(plain):
        raise UsageError(
            f"{len(plain)} --format without a file and {len(outputs)} --output: give one --output per --format, in the same order, or write FORMAT=FILE"
        )
    if not outputs and len(plain) > 1:
        raise UsageError("only one report can go to stdout: give the others a file (--output FILE per --format, or FORMAT=FILE)")
    paired: list[tuple[str, Optional[Path]]] = list(zip(plain, outputs)) if outputs else [(name, None) for name in plain]
    return paired + named


def _step_summary(report: Report, reports: list[tuple[str, Optional[Path]]]) -> None:
    """In a GitHub Actions job, append the Markdown summary to the job's summary page."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary or any(name == "markdown" and file is not None and str(file) == summary for name, file in reports):
        return
    from readycheck.reporters import render

    try:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(render(report, "markdown") + "\n")
    except OSError as exc:
        typer.echo(f"readycheck: warning: cannot write the job summary to {summary}: {exc.strerror or exc}", err=True)


def _run(target: Path, policy: Policy, *, show_progress: bool, cloud: CloudSnapshot | None = None) -> Report:
    from readycheck.engine import run_audit
    from readycheck.registry import load_registry

    registry = load_registry(policy.checks_dirs)
    specs = registry.select(policy.select, policy.extend_select, policy.ignore)
    progress = _progress() if show_progress else None
    try:
        return run_audit(target, policy, registry, specs, progress=progress.update if progress else None, cloud=cloud)
    finally:
        if progress:
            progress.close()


def _scope(policy: Policy) -> CloudScope | None:
    """The config's cloud scope; None lets a snapshot file keep the scope it was collected with."""
    from readycheck.cloud import CloudScope

    return CloudScope.from_dict(policy.cloud.scope) if policy.cloud.scope else None


def _collect(policy: Policy, profile: Optional[str], regions: list[str], *, show_progress: bool) -> dict[str, Any]:
    """Read the live account (never raises for AWS problems: what failed is marked in the data)."""
    from readycheck.cloud.collect import collect_snapshot

    progress = _progress("reading the AWS account…") if show_progress else None
    try:
        return collect_snapshot(
            policy.cloud,
            profile=profile,
            regions=regions,
            progress=(lambda name: progress.status.update(f"reading AWS {name}…")) if progress else None,
        )
    finally:
        if progress:
            progress.close()


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class MergeFormat(str, Enum):
    html = "html"
    json = "json"


@report_app.command("diff")
def report_diff(
    old: Path = typer.Argument(..., help="The earlier JSON report (the main branch, yesterday's run)."),
    new: Path = typer.Argument(..., help="The later JSON report."),
    fmt: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="text, json or markdown."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the diff to this file instead of stdout."),
) -> None:
    """What changed between two reports: the verdict, the answers, each check's status, and the
    findings that are new, fixed or still there (matched without line numbers). Exit 1 when the
    new report has new failing findings or turned NO-GO."""
    from readycheck.dashboard import diff_exit_code, diff_reports, load_report, render_diff

    d = diff_reports(load_report(old), load_report(new))
    _write_output(render_diff(d, fmt.value), output)
    raise typer.Exit(diff_exit_code(d))


@report_app.command("merge")
def report_merge(
    files: List[Path] = typer.Argument(..., help="JSON reports, one or more per repository (the latest of a repository counts)."),
    fmt: MergeFormat = typer.Option(MergeFormat.html, "--format", "-f", help="html (one self-contained page) or json."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the view to this file instead of stdout."),
) -> None:
    """An organisation-wide view: one row per repository with its verdict, the five answers and a
    score per phase, and the checks failing in most repositories."""
    from readycheck.dashboard import load_report, merge_reports, render_merge

    view = merge_reports([(str(f), load_report(f)) for f in files])
    _write_output(render_merge(view, fmt.value), output)


@cloud_app.command("snapshot")
def cloud_snapshot_command(
    path: Path = typer.Argument(Path("."), help="The project whose configuration (cloud: regions, scope...) to use."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the snapshot to this file instead of stdout."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Configuration file (default: readycheck.yaml or [tool.readycheck] in PATH)."),
    profile: Optional[str] = typer.Option(None, "--profile", help="The AWS profile to use (default: cloud.profile, then the credential chain)."),
    region: Optional[List[str]] = typer.Option(None, "--region", help="A region to read (repeatable; default: cloud.regions, then the profile's region)."),
) -> None:
    """Read the AWS account, read-only, into a snapshot file that `audit --cloud-snapshot` audits
    offline (in CI without credentials, for example). Exit 2 when the account cannot be reached."""
    import json

    from readycheck.config import load_policy

    policy = load_policy(_target(path), config_file=config)
    data = _collect(policy, profile, _split(region), show_progress=sys.stderr.isatty())
    if data.get("account_id") is None:
        reason = next((s.get("message") for s in data.get("services", {}).values() if s.get("message")), "no answer from AWS")
        raise UsageError(f"cannot read the AWS account: {reason}")
    _write_output(json.dumps(data, indent=2, sort_keys=True) + "\n", output)
    statuses = data.get("services", {})
    missing = sorted(name for name, svc in statuses.items() if svc.get("status") not in ("collected", "skipped"))
    summary = f"account {data['account_id']}, {len(statuses) - len(missing)} service(s) collected"
    if missing:
        listed = ", ".join(f"{name} ({statuses[name].get('status')})" for name in missing)
        summary += f"; not fully collected: {listed}"
    if output is not None:
        typer.echo(f"readycheck: {summary} — snapshot written to {output}", err=True)
    else:
        typer.echo(f"readycheck: {summary}", err=True)
    if data.get("interrupted"):
        raise typer.Exit(EXIT_INTERRUPTED)


@cloud_app.command("iam-policy")
def cloud_iam_policy() -> None:
    """Print the minimal IAM policy readycheck needs to read an account: read-only actions only."""
    import json

    from readycheck.cloud.collect import minimal_iam_policy

    typer.echo(json.dumps(minimal_iam_policy(), indent=2))


@app.command("baseline")
def baseline_command(
    path: Path = typer.Argument(Path("."), help="The repository or folder to audit."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write the baseline (default: .readycheck-baseline.json in PATH)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Configuration file (default: readycheck.yaml or [tool.readycheck] in the target)."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these checks (ids, id prefixes, slugs, item slugs, tags)."),
    history: bool = typer.Option(False, "--history", help="Also accept the secrets found in git history."),
    profile: Optional[str] = typer.Option(None, "--profile", metavar="NAME", envvar="READYCHECK_PROFILE", help="Merge this environment profile of the configuration (profiles:) over it."),
) -> None:
    """Write a baseline of today's findings, so that later audits gate on new ones only.

    Every finding of every failed or warned check is accepted (a result without evidence by its
    check alone), except those an inline comment or a config `suppress` entry already covers. The
    file holds fingerprints and paths, never a secret's value or a line number; commit it."""
    from readycheck import __version__
    from readycheck.config import load_policy
    from readycheck.suppress import BASELINE_FILENAME, Baseline

    target = _target(path)
    policy = load_policy(target, config_file=config, select=_split(select) or None, use_baseline=False, history=history, profile=profile)
    report = _run(target, policy, show_progress=sys.stderr.isatty())
    destination = output if output is not None else target / BASELINE_FILENAME
    text = Baseline.render(report, tool_version=__version__)
    _write_output(text, destination)
    import json

    count = len(json.loads(text)["findings"])
    typer.echo(f"readycheck: {count} finding(s) written to {destination}", err=True)


class _progress:
    """A one-line, transient progress display on stderr, for terminals only and only once the
    audit has taken longer than half a second: a quick audit prints nothing extra."""

    DELAY = 0.5

    def __init__(self, first: str = "indexing files…") -> None:
        import threading

        from rich.console import Console

        self.status = Console(stderr=True).status(first)
        self.lock = threading.Lock()
        self.closed = False
        self.timer = threading.Timer(self.DELAY, self._start)
        self.timer.daemon = True
        self.timer.start()

    def _start(self) -> None:
        with self.lock:
            if not self.closed:
                self.status.start()

    def update(self, spec: object) -> None:
        self.status.update(f"running {getattr(spec, 'id', '')} {getattr(spec, 'slug', '')}…")

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.timer.cancel()
            self.status.stop()


def _target(path: Path) -> Path:
    if not path.exists():
        raise TargetError(f"{path}: no such file or directory")
    if not path.is_dir():
        raise TargetError(f"{path}: not a directory (readycheck audits a repository or folder)")
    if not os.access(path, os.R_OK | os.X_OK):
        raise TargetError(f"{path}: permission denied")
    if _is_bare_repository(path):
        raise TargetError(
            f"{path}: a bare git repository (a git directory) has no work tree to audit: audit a clone or a checkout of it"
        )
    return path.resolve()


def _is_bare_repository(path: Path) -> bool:
    """A git directory itself (`repo.git`, or a `.git` folder given as the target): HEAD, objects/
    and refs/ at its top, no work tree."""
    try:
        return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()
    except OSError:
        return False


@checks_app.command("list")
def checks_list(
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these checks (ids, prefixes, slugs, items, tags)."),
    fmt: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="text, markdown (the README reference) or json."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Configuration file whose checks_dirs to include."),
    framework: Optional[str] = typer.Option(None, "--framework", metavar="NAME", help="Coverage of a standard's entries instead: owasp-llm (OWASP Top 10 for LLM Applications 2025) or aws-genai-lens."),
) -> None:
    """List the available checks by checklist item, or a standard's coverage by entry."""
    from readycheck.docs import checks_json, checks_markdown, checks_text
    from readycheck.registry import load_registry

    dirs: tuple[Path, ...] = ()
    if config is not None:
        from readycheck.config import load_policy

        dirs = load_policy(Path.cwd(), config_file=config).checks_dirs
    registry = load_registry(dirs)
    for prefix, why in registry.broken_packs:  # its checks are missing from the list: say so
        typer.echo(f"readycheck: warning: check pack {prefix} is left out: {_one_line(why)}", err=True)
    specs = registry.select(_split(select) or None)
    if framework is not None:
        from readycheck.docs import checks_by_framework, framework_json

        try:
            text = framework_json(specs, framework) if fmt is ListFormat.json else checks_by_framework(specs, framework)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        typer.echo(text, nl=not text.endswith("\n"))
        return
    if fmt is ListFormat.markdown:
        typer.echo(checks_markdown(specs), nl=False)
    elif fmt is ListFormat.json:
        typer.echo(checks_json(specs), nl=False)
    else:
        typer.echo(checks_text(specs), nl=False)


@checks_app.command("explain")
def checks_explain(check: str = typer.Argument(..., help="A check id or slug.")) -> None:
    """Explain one check: what it checks, why it matters, how to fix it, an example."""
    import difflib

    from readycheck.docs import explain
    from readycheck.registry import load_registry

    registry = load_registry()
    spec = registry.get(check)
    if spec is None:
        names = [s.id for s in registry.specs.values()] + [s.slug for s in registry.specs.values()]
        hint = difflib.get_close_matches(check, names, n=1)
        raise UsageError(f"unknown check '{check}'" + (f"; did you mean '{hint[0]}'?" if hint else ""))
    typer.echo(explain(spec), nl=False)


@app.command()
def init(
    path: Path = typer.Argument(Path("."), help="Where to write readycheck.yaml."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing readycheck.yaml."),
) -> None:
    """Write a commented starter readycheck.yaml."""
    from readycheck.docs import starter_config

    target = _target(path) / "readycheck.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} already exists (use --force to overwrite)")
    _write_output(starter_config(), target)
    typer.echo(f"wrote {target}")


class ScaffoldKind(str, Enum):
    runbook = "runbook"
    loadtest = "loadtest"
    rollback = "rollback"


@app.command()
def scaffold(
    kind: ScaffoldKind = typer.Argument(..., help="runbook, loadtest or rollback."),
    path: Path = typer.Argument(Path("."), help="The project to write into."),
) -> None:
    """Write a starter runbook (docs/RUNBOOK.md), load test (k6 or Locust, with docs/LOAD_TESTING.md)
    or rollback procedure (docs/ROLLBACK.md), filled with the providers, endpoints and deploy tool
    the audit finds. Never overwrites a file."""
    from readycheck.scaffold import scaffold as write_scaffold

    root = _target(path)
    for written in write_scaffold(kind.value, root):
        typer.echo(f"wrote {written}")


@app.command()
def schema(name: SchemaName = typer.Argument(..., help="report, config, check, baseline, secret-rules or snapshot.")) -> None:
    """Print a JSON Schema: the report contract, the configuration file, a check spec, the baseline
    file, a file of secret rules, or a cloud snapshot."""
    from readycheck.config import schema_path

    typer.echo(schema_path(name.value).read_text(encoding="utf-8"), nl=False)


def _click_exceptions() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...], type[Exception]]:
    """(exit classes, abort classes, usage-error base). Typer 0.20+ vendors click as typer._click;
    older releases raise click's own exceptions."""
    try:
        from typer._click import exceptions as cx
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions as cx  # type: ignore[no-redef,import-not-found,unused-ignore]
    exits = tuple({typer.Exit, getattr(cx, "Exit", typer.Exit)})
    aborts = tuple({typer.Abort, getattr(cx, "Abort", typer.Abort)})
    return exits, aborts, cx.ClickException


ISSUES_URL = "https://github.com/readycheck/readycheck/issues"


class _Interrupted(Exception):
    """Ctrl-C, carried past typer (which would turn it into a silent exit 130)."""


def _one_line(text: str) -> str:
    """A message on one terminal line: control characters (a newline or an escape sequence in a
    file name, say) are shown escaped, never interpreted by the terminal."""
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


def _short(text: str, limit: int = 300) -> str:
    """An exception's message on one line, bounded (it may quote a file's content)."""
    line = _one_line(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def console() -> None:
    """The installed ``readycheck`` script and ``python -m readycheck``: :func:`main`, then a
    quicker exit. As it ends, the interpreter runs its cyclic garbage collector over every object
    still alive, a walk over everything the audit built (60 ms of a 0.5 s pre-commit run) to free
    memory the process is about to give back anyway. Frozen objects are left out of that walk;
    reference counting still releases them at shutdown, so finalizers and atexit handlers run."""
    try:
        main()
    finally:
        gc.freeze()


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point of the command line: one error funnel, the documented exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    exits, aborts, click_error = _click_exceptions()
    command = typer.main.get_command(app)
    invoke = command.invoke

    def interruptible(ctx: Any) -> Any:
        # typer turns Ctrl-C into a silent exit 130: carry it out to the funnel, which says so.
        try:
            return invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted() from None

    command.invoke = interruptible  # type: ignore[method-assign]
    from readycheck._cli_coerce import plain_coercion

    try:
        with plain_coercion():
            code = command.main(args=args, prog_name="readycheck", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except ReadycheckError as exc:
        typer.echo(f"readycheck: error: {_one_line(exc.message)}", err=True)
        sys.exit(exc.exit_code)
    except exits as exc:
        sys.exit(getattr(exc, "exit_code", 0))
    except aborts:
        typer.echo("readycheck: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click_error as exc:
        typer.echo(f"readycheck: error: {_one_line(' '.join(exc.format_message().splitlines()))}", err=True)  # type: ignore[attr-defined]
        sys.exit(EXIT_USAGE)
    except (KeyboardInterrupt, _Interrupted):
        typer.echo("readycheck: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            import traceback

            traceback.print_exc()
        typer.echo(
            f"readycheck: internal error: {type(exc).__name__}: {_short(str(exc))}\n"
            f"This is a bug in readycheck: please report it at {ISSUES_URL} with the command you ran"
            + ("." if debug else " and the traceback that --debug prints."),
            err=True,
        )
        sys.exit(EXIT_INTERNAL)

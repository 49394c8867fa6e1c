"""The command line: a thin typer app. Commands parse options and call plain functions that return
exit codes; one handler turns errors into one clear line."""

from __future__ import annotations

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


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class FailOn(str, Enum):
    no_go = "no-go"
    warn = "warn"
    never = "never"


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
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="Report format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Configuration file (default: readycheck.yaml or [tool.readycheck] in the target)."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Run only these checks (ids, id prefixes, slugs, item slugs, tags; comma-separated)."),
    extend_select: Optional[List[str]] = typer.Option(None, "--extend-select", help="Add these checks to the selection."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Leave these checks out."),
    fail_on: Optional[FailOn] = typer.Option(None, "--fail-on", help="When to exit 1: on NO-GO (default), on any warning, or never."),
    staged: bool = typer.Option(False, "--staged", help="Judge only the files staged for commit, as staged in the git index (for pre-commit hooks)."),
    history: bool = typer.Option(False, "--history", help="Also scan every commit reachable from HEAD for secrets."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Baseline of accepted findings (default: .readycheck-baseline.json when present)."),
    no_baseline: bool = typer.Option(False, "--no-baseline", help="Ignore any baseline: every finding counts."),
    no_inline_suppressions: bool = typer.Option(False, "--no-inline-suppressions", help="Do not honour `readycheck: ignore[...]` comments."),
    aws: bool = typer.Option(False, "--aws", help="Also audit the live AWS account (read-only, through boto3 and the standard credential chain)."),
    cloud_snapshot: Optional[Path] = typer.Option(None, "--cloud-snapshot", help="Audit the cloud account as recorded in this snapshot file (`readycheck cloud snapshot`)."),
    aws_profile: Optional[str] = typer.Option(None, "--aws-profile", help="With --aws: the AWS profile to use (default: cloud.profile, then the credential chain)."),
    aws_region: Optional[List[str]] = typer.Option(None, "--aws-region", help="With --aws: the regions to read (repeatable; default: cloud.regions, then the profile's region)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the verdict and the failures."),
    no_color: bool = typer.Option(False, "--no-color", help="No colours (also: NO_COLOR=1)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
) -> None:
    """Audit PATH and print the Go/No-Go report. Exit 0 GO, 1 NO-GO, 2 usage or config error."""
    from readycheck.config import load_policy
    from readycheck.reporters import render
    from readycheck.verdict import exit_code_for

    if staged and history:
        raise UsageError("--staged and --history do not go together: a pre-commit hook judges the staged files, --history the commits")
    if aws and cloud_snapshot is not None:
        raise UsageError("--aws and --cloud-snapshot do not go together: audit the live account or a snapshot of it")
    if staged and (aws or cloud_snapshot is not None):
        raise UsageError("--staged judges the staged files only; the cloud account needs a full audit")
    if (aws_profile or aws_region) and not aws:
        raise UsageError("--aws-profile and --aws-region go with --aws")
    target = _target(path)
    policy = load_policy(
        target,
        config_file=config,
        select=_split(select) or None,
        extend_select=_split(extend_select),
        ignore=_split(ignore),
        fail_on=fail_on.value if fail_on else None,
        baseline=baseline,
        use_baseline=not no_baseline,
        inline_suppressions=False if no_inline_suppressions else None,
        staged=staged,
        history=history,
    )
    show = sys.stderr.isatty() and not quiet and fmt is OutputFormat.text
    cloud = None
    if cloud_snapshot is not None:
        from readycheck.cloud import load_snapshot

        cloud = load_snapshot(cloud_snapshot, _scope(policy))
    elif aws:
        from readycheck.cloud import CloudSnapshot

        data = _collect(policy, aws_profile, _split(aws_region), show_progress=show)
        cloud = CloudSnapshot(data, _scope(policy), source="live")
    report = _run(target, policy, show_progress=show, cloud=cloud)
    color = _use_color(no_color) and output is None
    _write_output(render(report, fmt.value, color=color, quiet=quiet), output)
    if output is not None and not quiet:
        typer.echo(f"readycheck: {report.verdict.value} — report written to {output}", err=True)
    raise typer.Exit(exit_code_for(report.verdict, report.results, policy.fail_on))


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
) -> None:
    """Write a baseline of today's findings, so that later audits gate on new ones only.

    The file holds fingerprints and paths, never a secret's value or a line number; commit it."""
    from readycheck import __version__
    from readycheck.config import load_policy
    from readycheck.suppress import BASELINE_FILENAME, Baseline

    target = _target(path)
    policy = load_policy(target, config_file=config, select=_split(select) or None, use_baseline=False, history=history)
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
    return path.resolve()


@checks_app.command("list")
def checks_list(
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these checks (ids, prefixes, slugs, items, tags)."),
    fmt: ListFormat = typer.Option(ListFormat.text, "--format", "-f", help="text, markdown (the README reference) or json."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Configuration file whose checks_dirs to include."),
) -> None:
    """List the available checks by checklist item."""
    from readycheck.docs import checks_json, checks_markdown, checks_text
    from readycheck.registry import load_registry

    dirs: tuple[Path, ...] = ()
    if config is not None:
        from readycheck.config import load_policy

        dirs = load_policy(Path.cwd(), config_file=config).checks_dirs
    registry = load_registry(dirs)
    specs = registry.select(_split(select) or None)
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


def main(argv: Optional[List[str]] = None) -> None:
    """Console-script entry point: one error funnel, the documented exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    exits, aborts, click_error = _click_exceptions()
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="readycheck", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except ReadycheckError as exc:
        typer.echo(f"readycheck: error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except exits as exc:
        sys.exit(getattr(exc, "exit_code", 0))
    except aborts:
        typer.echo("readycheck: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click_error as exc:
        typer.echo(f"readycheck: error: {exc.format_message()}", err=True)  # type: ignore[attr-defined]
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        typer.echo("readycheck: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            import traceback

            traceback.print_exc()
        typer.echo(f"readycheck: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
        sys.exit(EXIT_INTERNAL)

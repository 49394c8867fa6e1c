"""Load readycheck.yaml (or [tool.readycheck] in pyproject.toml), validate it, merge the command line.

The result is one immutable Policy that every later stage reads.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from readycheck.errors import ConfigError
from readycheck.model import Severity

__all__ = [
    "Policy",
    "RetryPolicy",
    "CloudSettings",
    "SuppressEntry",
    "load_policy",
    "config_schema",
    "CONFIG_FILENAMES",
    "FAIL_ON",
    "schema_path",
]

CONFIG_FILENAMES = ("readycheck.yaml", "readycheck.yml", ".readycheck.yaml", ".readycheck.yml")
# When the audit exits 1: on NO-GO, on any warning, never, or on NO-GO and on any counted failure
# or warning of at least that severity.
FAIL_ON = ("no-go", "warn", "never", "critical", "high", "medium", "low")
PROFILE_ENV = "READYCHECK_PROFILE"
# Keys a profile may set; lists are appended to the top level's, mappings merged, scalars replaced.
_PROFILE_LISTS = ("extend_select", "ignore", "exclude", "suppress")
_PROFILE_MAPPINGS = ("severity", "blocking", "params")


def schema_path(name: str) -> Path:
    return Path(__file__).parent / "schemas" / f"{name}.schema.json"


def config_schema() -> dict[str, Any]:
    with open(schema_path("config"), encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """The checklist's retry numbers: ~1 s initial delay, 60 s max delay, 3-5 attempts, jitter."""

    initial_delay_min: float = 0.5
    initial_delay_max: float = 2.0
    max_delay_max: float = 60.0
    attempts_min: int = 3
    attempts_max: int = 5
    require_jitter: bool = True


@dataclass(frozen=True, slots=True)
class CloudSettings:
    """How readycheck reads a live AWS account (`cloud:` in the config)."""

    profile: str | None = None
    regions: tuple[str, ...] = ()  # an allow-list; empty means the profile's configured region
    scope: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    services: tuple[str, ...] = ()  # empty means every service readycheck knows
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_attempts: int = 3  # botocore's standard retry mode, attempts including the first
    service_timeout: float = 60.0  # seconds one service's collection may take, all regions together
    max_resources: int = 2000  # resources per service before the collection stops and says so
    max_access_key_age_days: int = 90
    rotation_grace_days: int = 2  # a rotation this late is still on schedule


@dataclass(frozen=True, slots=True)
class SuppressEntry:
    """One `suppress:` entry of the configuration: a check (id or slug) not counted, on some paths
    (gitignore-style patterns) or everywhere, for a stated reason, until an optional date."""

    check: str
    reason: str
    paths: tuple[str, ...] = ()
    expires: _dt.date | None = None
    where: str = "suppress"  # the entry's place in the configuration, for messages

    def expired(self, today: _dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def describe(self) -> str:
        """``RC0402 on legacy/**`` or ``RC1001``."""
        return self.check + (f" on {', '.join(self.paths)}" if self.paths else "")


@dataclass(frozen=True, slots=True)
class Policy:
    root: Path
    config_path: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "no-go"
    exclude: tuple[str, ...] = ()
    max_file_size: int = 2_000_000
    check_timeout: float = 30.0
    checks_dirs: tuple[Path, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))
    blocking: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    retries: RetryPolicy = field(default_factory=RetryPolicy)
    baseline: Path | None = None  # the baseline file in use, if any
    inline_suppressions: bool = True
    staged: bool = False  # audit the files staged in the git index, as they are there
    history: bool = False  # also scan every commit reachable from HEAD for secrets
    secret_rules: tuple[Mapping[str, Any], ...] = ()  # the team's own secret rules
    cloud: CloudSettings = field(default_factory=CloudSettings)
    suppress: tuple[SuppressEntry, ...] = ()  # the config's ignore entries, with reason and expiry
    profile: str | None = None  # the environment profile merged over the configuration
    diff_ref: str | None = None  # --diff REF: only findings on lines changed since REF count
    cache: bool = True  # reuse parse products of unchanged files (readycheck.cache); --no-cache turns it off


def _find_config(root: Path) -> tuple[Path | None, dict[str, Any]]:
    for name in CONFIG_FILENAMES:
        candidate = root / name
        if candidate.is_file():
            return candidate, _read_yaml(candidate)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
        try:
            with open(pyproject, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError, RecursionError, ValueError):
            return None, {}  # a project's broken pyproject is not our configuration error
        tool = data.get("tool")
        section = tool.get("readycheck") if isinstance(tool, dict) else None
        if isinstance(section, dict):
            return pyproject, {k.replace("-", "_"): v for k, v in section.items()}
    return None, {}


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc.strerror})") from None
    from readycheck.parsers.structured import ParseError, load_yaml_docs

    try:
        # The bounded reader first: an alias bomb, a recursive alias, nesting past 200 levels or a
        # !!python tag is refused before safe_load builds objects that validation walks as a tree.
        load_yaml_docs(text, refuse_python=True)
    except ParseError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        raise ConfigError(f"{path}: the configuration nests too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(f"{path}:{where}: {problem}") from None
    except ValueError as exc:  # a date-looking value that is no date: `expires: 2027-02-31`
        if "digits" in str(exc):  # int() of more than 4300 digits
            raise ConfigError(f"{path}: a number is too long to read") from None
        raise ConfigError(f"{path}: not a valid date (YYYY-MM-DD): {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys to values")
    return data


def _path_key(part: object) -> tuple[int, int, str]:
    """Sort key of one part of an error's path: list indexes in order, then keys by their text
    (a configuration's keys are not always strings: `0: null`)."""
    return (0, part, "") if isinstance(part, int) else (1, 0, str(part))


def validate_config(data: Mapping[str, Any], source: str) -> None:
    if not data:
        return  # nothing to validate: keep jsonschema off the start-up path
    import jsonschema

    validator = jsonschema.Draft202012Validator(config_schema())
    errors = sorted(validator.iter_errors(dict(data)), key=lambda e: [_path_key(p) for p in e.absolute_path])
    if not errors:
        return
    err = errors[0]
    key = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(str(k) for k in set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
        import difflib

        unknown = extra[0] if extra else "?"
        where = f"{key}.{unknown}" if key else unknown
        hint = difflib.get_close_matches(unknown, allowed, n=1)
        more = f" (did you mean '{hint[0]}'?)" if hint else f" (allowed: {', '.join(allowed)})"
        raise ConfigError(f"{source}: unknown key '{where}'{more}")
    raise ConfigError(f"{source}: '{key or '(top level)'}': {err.message}")


def load_policy(
    root: Path,
    *,
    config_file: Path | None = None,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    fail_on: str | None = None,
    baseline: Path | None = None,
    use_baseline: bool = True,
    inline_suppressions: bool | None = None,
    staged: bool = False,
    history: bool = False,
    profile: str | None = None,
    diff_ref: str | None = None,
    cache: bool | None = None,
) -> Policy:
    """Read the target's configuration, merge the environment profile (``profile``) over it, then
    the command-line values over both."""
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: no such configuration file")
        if config_file.suffix == ".toml":
            raise ConfigError(f"{config_file}: pass readycheck.yaml, or let readycheck read [tool.readycheck] itself")
        path: Path | None = config_file
        data = _read_yaml(config_file)
    else:
        path, data = _find_config(root)
    source = str(path) if path else "configuration"
    data = _plain_dates(data)
    validate_config(data, source)
    base = path.parent if path else root
    data = _with_profile(data, profile, source)

    retry_data = dict(data.get("policy", {}).get("retries", {}))
    retries = RetryPolicy(**retry_data)
    if retries.attempts_min > retries.attempts_max:
        raise ConfigError(f"{source}: 'policy.retries': attempts_min is larger than attempts_max")
    if retries.initial_delay_min > retries.initial_delay_max:
        raise ConfigError(f"{source}: 'policy.retries': initial_delay_min is larger than initial_delay_max")

    file_select = data.get("select")
    secret_rules = _secret_rules(data.get("secret_rules", ()), source)
    baseline_path = _baseline_path(root, base, baseline, data.get("baseline"), use_baseline)
    return Policy(
        root=root,
        config_path=path,
        select=tuple(select) if select else (tuple(file_select) if file_select is not None else None),
        extend_select=tuple(data.get("extend_select", ())) + tuple(extend_select),
        ignore=tuple(data.get("ignore", ())) + tuple(ignore),
        fail_on=_fail_on(fail_on or data.get("fail_on", "no-go")),
        exclude=tuple(data.get("exclude", ())),
        max_file_size=int(data.get("max_file_size", 2_000_000)),
        check_timeout=float(data.get("check_timeout", 30.0)),
        checks_dirs=tuple((base / d).resolve() for d in data.get("checks_dirs", ())),
        severity=MappingProxyType({k: Severity(v) for k, v in data.get("severity", {}).items()}),
        blocking=MappingProxyType(dict(data.get("blocking", {}))),
        params=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in data.get("params", {}).items()}),
        retries=retries,
        baseline=baseline_path,
        inline_suppressions=data.get("inline_suppressions", True) if inline_suppressions is None else inline_suppressions,
        staged=staged,
        history=history,
        secret_rules=secret_rules,
        cloud=_cloud_settings(data.get("cloud") or {}, source),
        suppress=_suppress_entries(data.get("suppress", ()), source),
        profile=profile or None,
        diff_ref=diff_ref,
        cache=bool(data.get("cache", True)) if cache is None else cache,
    )


def _fail_on(value: str) -> str:
    if value not in FAIL_ON:
        raise ConfigError(f"--fail-on: '{value}' is not one of {', '.join(FAIL_ON)}")
    return value


def _plain_dates(value: Any) -> Any:
    """YAML and TOML read an unquoted ``2027-01-31`` as a date: make it the ISO string the schema
    validates, whatever the nesting (dates are only meaningful in `suppress` entries)."""
    if isinstance(value, _dt.date):  # datetime too: its ISO form fails the date pattern
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_dates(v) for v in value]
    return value


def _with_profile(data: dict[str, Any], name: str | None, source: str) -> dict[str, Any]:
    """The configuration with profile ``name`` merged over it: lists appended, mappings merged
    (a check's params key by key), scalars replaced."""
    profiles: Mapping[str, Any] = data.get("profiles") or {}
    if not name:
        return data
    if name not in profiles:
        if profiles:
            raise ConfigError(f"unknown profile '{name}' (known profiles: {', '.join(sorted(str(p) for p in profiles))})")
        where = f"{source} defines none" if source != "configuration" else "no configuration file found"
        raise ConfigError(f"unknown profile '{name}' (no profiles: {where})")
    merged = dict(data)
    for key, value in profiles[name].items():
        if key in _PROFILE_LISTS:
            merged[key] = list(data.get(key, ())) + list(value)
        elif key == "params":
            params = {k: dict(v) for k, v in data.get("params", {}).items()}
            for check, values in value.items():
                params.setdefault(check, {}).update(values)
            merged[key] = params
        elif key in _PROFILE_MAPPINGS:
            merged[key] = {**data.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


def _suppress_entries(entries: Sequence[Mapping[str, Any]], source: str) -> tuple[SuppressEntry, ...]:
    """The `suppress:` entries, their dates parsed (the check names are resolved by the audit,
    which knows the registry)."""
    out = []
    for i, entry in enumerate(entries):
        where = f"suppress.{i}"
        expires = entry.get("expires")
        date = None
        if expires is not None:
            try:
                date = _dt.date.fromisoformat(str(expires))
            except ValueError:
                raise ConfigError(f"{source}: '{where}.expires': '{expires}' is not a date (YYYY-MM-DD)") from None
        reason = str(entry["reason"]).strip()
        if not reason:
            raise ConfigError(f"{source}: '{where}.reason': a suppression needs a reason")
        out.append(SuppressEntry(str(entry["check"]), reason, tuple(entry.get("paths", ())), date, f"{source}: '{where}'"))
    return tuple(out)


def _cloud_settings(data: Mapping[str, Any], source: str) -> CloudSettings:
    if not data:
        return CloudSettings()
    values = dict(data)
    for key in ("regions", "services"):
        if key in values:
            values[key] = tuple(values[key])
    if "scope" in values:
        values["scope"] = MappingProxyType(dict(values["scope"]))
    return CloudSettings(**values)


def _secret_rules(entries: Sequence[Mapping[str, Any]], source: str) -> tuple[Mapping[str, Any], ...]:
    """The team's secret rules, each compiled once here so that a bad one is a configuration error
    (exit 2, naming the rule) rather than a crashed check."""
    if not entries:
        return ()
    from readycheck.secrets import load_rules

    try:
        load_rules(entries)
    except ValueError as exc:
        raise ConfigError(f"{source}: 'secret_rules': {exc}") from None
    return tuple(MappingProxyType(dict(e)) for e in entries)


def _baseline_path(root: Path, base: Path, flag: Path | None, configured: object, use: bool) -> Path | None:
    if not use:
        return None
    if flag is not None:
        if not flag.is_file():
            raise ConfigError(f"{flag}: no such baseline file (write one with `readycheck baseline`)")
        return flag
    if isinstance(configured, str):
        path = (base / configured).resolve()
        if not path.is_file():
            raise ConfigError(f"{base / configured}: no such baseline file (write one with `readycheck baseline`)")
        return path
    from readycheck.suppress import default_baseline

    return default_baseline(root, None)

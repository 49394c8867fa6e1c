"""The check registry: specs from the built-in pack, installed packs and local folders; selection.

A pack is a folder of YAML specs (and, for installed packs, detectors). Installed packs register
through the `readycheck.checks` entry-point group; the entry-point name is the pack's id prefix and
the object it loads is a callable returning `{"checks_dir": path, "detectors": {name: callable}}`
(either key optional), or a path to a folder of specs.
"""

from __future__ import annotations

import difflib
import os
import sys
import importlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

from readycheck.detectors import BUILTIN_DETECTORS
from readycheck.errors import CheckSpecError, PluginError, UsageError
from readycheck.model import ITEMS_BY_NUMBER, ITEMS_BY_SLUG, CheckDocs, CheckSpec, Severity

__all__ = ["Registry", "load_registry", "builtin_pack_dir", "parse_docs", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "readycheck.checks"
_DOC_SECTIONS = {
    "what it checks": "what",
    "why it matters": "why",
    "how to fix": "fix",
    "example": "example",
    "options": "options",
    "known limits": "limits",
}


def builtin_pack_dir() -> Path:
    """The packaged copy of checks/ in an installed wheel, or the checkout's checks/ from source."""
    here = Path(__file__).resolve().parent
    packaged = here / "_checks"
    if packaged.is_dir():
        return packaged
    return here.parent / "checks"


@lru_cache(maxsize=1)
def _check_validator() -> Any:
    import jsonschema

    with open(Path(__file__).parent / "schemas" / "check.schema.json", encoding="utf-8") as fh:
        return jsonschema.Draft202012Validator(json.load(fh))


def parse_docs(text: str) -> CheckDocs:
    parts: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        m = re.match(r"^##\s+(.+?)\s*$", line)
        if m and m.group(1).lower() in _DOC_SECTIONS:
            current = _DOC_SECTIONS[m.group(1).lower()]
            parts[current] = []
            continue
        if current:
            parts[current].append(line)
    def get(k: str) -> str:
        return "\n".join(parts.get(k, [])).strip()

    return CheckDocs(get("what"), get("why"), get("fix"), get("example"), get("options") or None, get("limits") or None)


def _load_spec(path: Path, source: str, validate: bool = True) -> CheckSpec:
    import yaml

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckSpecError(f"{path}: cannot read check spec ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise CheckSpecError(f"{path}:{where}: invalid YAML in check spec") from None
    if not isinstance(data, dict):
        raise CheckSpecError(f"{path}: a check spec must be a mapping")
    errors = sorted(_check_validator().iter_errors(data), key=lambda e: list(e.absolute_path)) if validate else []
    if errors:
        err = errors[0]
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise CheckSpecError(f"{path}: '{key}': {err.message[:300]}")
    docs = parse_docs(data["docs"])
    fix = docs.fix
    remediation = data.get("remediation") or (fix.split("\n\n")[0].replace("\n", " ") if fix else "")
    return CheckSpec(
        id=data["id"],
        slug=data["slug"],
        title=data["title"],
        item=data["item"],
        questions=tuple(data.get("questions", ())),
        severity=Severity(data["severity"]),
        confidence=data.get("confidence", "medium"),
        blocking=bool(data.get("blocking", False)),
        tags=tuple(data.get("tags", ())),
        detector=data["detector"],
        params=MappingProxyType(dict(data.get("params") or {})),
        applies_to=tuple(data.get("applies_to", ())),
        docs=docs,
        remediation=remediation,
        source=source,
        status=data.get("status", "active"),
        scope=data.get("scope", "repo"),
        standards=MappingProxyType({k: tuple(v) for k, v in (data.get("standards") or {}).items()}),
    )


def _specs_in(folder: Path, source: str, validate: bool = True) -> list[tuple[CheckSpec, str]]:
    """Specs in a folder. The built-in pack is validated by the test suite, not at every start;
    installed packs and local folders are validated when loaded."""
    if not folder.is_dir():
        raise CheckSpecError(f"{folder}: check folder not found")
    out = []
    for path in sorted(folder.rglob("*.y*ml")):
        if path.suffix in (".yaml", ".yml") and not path.name.startswith(("_", ".")):
            out.append((_load_spec(path, source, validate), str(path)))
    return out


@dataclass
class Registry:
    specs: dict[str, CheckSpec] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # id -> file it came from
    detectors: dict[str, str | Callable[..., Any]] = field(default_factory=dict)
    detector_origins: dict[str, str] = field(default_factory=dict)
    # Installed check packs that could not be loaded: (prefix, message). None of their checks or
    # detectors is registered; the audit reports each as an ERROR that keeps the verdict off GO.
    broken_packs: list[tuple[str, str]] = field(default_factory=list)
    # What packs printed while they were imported (never let through to a report on stdout).
    pack_notes: list[str] = field(default_factory=list)

    def add(self, spec: CheckSpec, origin: str) -> None:
        if spec.id in self.specs:
            raise CheckSpecError(f"duplicate check id {spec.id}: {self.origins[spec.id]} and {origin}")
        for other in self.specs.values():
            if other.slug == spec.slug:
                raise CheckSpecError(f"duplicate check slug '{spec.slug}': {other.id} ({self.origins[other.id]}) and {spec.id} ({origin})")
        self.specs[spec.id] = spec
        self.origins[spec.id] = origin

    def add_detector(self, name: str, target: str | Callable[..., Any], origin: str) -> None:
        if name in self.detectors:
            raise PluginError(f"detector '{name}' is defined twice: by {self.detector_origins[name]} and by {origin}")
        self.detectors[name] = target
        self.detector_origins[name] = origin

    def detector(self, name: str) -> Callable[..., Any]:
        target = self.detectors[name]
        if callable(target):
            return target
        module, _, attr = target.partition(":")
        fn = getattr(importlib.import_module(module), attr)
        self.detectors[name] = fn
        return fn  # type: ignore[no-any-return]

    def active(self) -> list[CheckSpec]:
        return sorted((s for s in self.specs.values() if s.status == "active"), key=lambda s: s.id)

    def get(self, key: str) -> CheckSpec | None:
        if key in self.specs:
            return self.specs[key]
        upper = key.upper()
        if upper in self.specs:
            return self.specs[upper]
        for s in self.specs.values():
            if s.slug == key:
                return s
        return None

    # --- selection, ruff-style ------------------------------------------------------------------
    def _specificity(self, selector: str, spec: CheckSpec) -> int:
        """How specifically `selector` names `spec` (0: not at all). Ids beat prefixes beat slugs,
        items and tags; a longer id prefix beats a shorter one."""
        sel = selector.strip()
        if sel.upper() == spec.id:
            return 100
        if sel.lower() == spec.slug:
            return 90
        if sel.upper() == "ALL":
            return 1
        if re.fullmatch(r"[A-Za-z]+[0-9]*", sel) and spec.id.startswith(sel.upper()):
            return 10 + len(sel)
        if sel.lower() == spec.item_slug or sel == str(spec.item):
            return 8
        if sel.lower() in spec.tags:
            return 5
        return 0

    def _check_known(self, selectors: Iterable[str], where: str) -> None:
        specs = self.active()
        vocabulary = sorted({s.id for s in specs} | {s.slug for s in specs} | set(ITEMS_BY_SLUG) | {t for s in specs for t in s.tags})
        broken = tuple(prefix for prefix, _ in self.broken_packs)
        for sel in selectors:
            if broken and sel.strip().upper().startswith(broken):
                continue  # a check of a pack that failed to load: the audit reports the pack as an ERROR
            if not any(self._specificity(sel, s) for s in specs):
                hint = difflib.get_close_matches(sel, vocabulary, n=1, cutoff=0.6)
                more = f"; did you mean '{hint[0]}'?" if hint else ""
                raise UsageError(f"{where}: unknown check selector '{sel}'{more}")

    def select(self, select: Sequence[str] | None, extend_select: Sequence[str] = (), ignore: Sequence[str] = ()) -> list[CheckSpec]:
        self._check_known(list(select or ()) + list(extend_select), "select")
        self._check_known(ignore, "ignore")
        chosen = []
        positive = list(select) if select is not None else ["ALL"]
        positive += list(extend_select)
        for spec in self.active():
            best_on = max((self._specificity(s, spec) for s in positive), default=0)
            best_off = max((self._specificity(s, spec) for s in ignore), default=0)
            if best_on and best_on > best_off:
                chosen.append(spec)
        return chosen


def _entry_points() -> list[Any]:
    if not _may_declare_plugins():
        return []
    from importlib.metadata import entry_points

    return list(entry_points(group=ENTRY_POINT_GROUP))


def _may_declare_plugins() -> bool:
    """A cheap look before importing importlib.metadata (0.05-0.1 s of every run, a pre-commit
    hook's included): does any distribution on sys.path declare the check-pack group? It reads the
    same entry_points.txt files importlib.metadata would; a path it cannot judge answers yes."""
    marker = f"[{ENTRY_POINT_GROUP}]"
    for entry in sys.path:
        folder = entry or "."
        try:
            with os.scandir(folder) as it:
                names = [e.name for e in it if e.name.endswith((".dist-info", ".egg-info"))]
        except NotADirectoryError:  # a zip archive on sys.path
            return True
        except OSError:
            continue
        for name in names:
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), encoding="utf-8", errors="replace") as fh:
                    if marker in fh.read():
                        return True
            except OSError:
                continue
    return False


def load_registry(checks_dirs: Sequence[Path] = (), *, plugins: bool = True) -> Registry:
    reg = Registry()
    for name, target in BUILTIN_DETECTORS.items():
        reg.add_detector(name, target, "readycheck")
    for spec, origin in _specs_in(builtin_pack_dir(), "builtin", validate=False):
        reg.add(spec, origin)
    if plugins:
        _load_plugins(reg)
    for folder in checks_dirs:
        for spec, origin in _specs_in(folder, str(folder)):
            reg.add(spec, origin)
    for spec in reg.specs.values():
        if spec.detector not in reg.detectors:
            hint = difflib.get_close_matches(spec.detector, list(reg.detectors), n=1)
            more = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise CheckSpecError(f"{reg.origins[spec.id]}: check {spec.id} uses unknown detector '{spec.detector}'{more}")
        if spec.item not in ITEMS_BY_NUMBER:
            raise CheckSpecError(f"{reg.origins[spec.id]}: unknown checklist item {spec.item}")
    return reg


class _PackFailure(Exception):
    """One installed pack is unusable; the others and the built-in checks still run."""


def _load_plugins(reg: Registry) -> None:
    """Load every installed pack. A pack that fails to import, whose entry point raises, that
    returns garbage or ships invalid specs is left out whole and recorded in ``reg.broken_packs``
    (the audit reports it as an ERROR and cannot be GO); the built-in checks still run. Exit 2
    (PluginError) is kept for what only the user can settle in their environment: a pack claiming
    the reserved prefix 'RC', or two installed packs claiming the same prefix."""
    prefixes: dict[str, str] = {}
    for ep in sorted(_entry_points(), key=lambda e: e.name):
        dist = getattr(getattr(ep, "dist", None), "name", None) or ep.value
        prefix = ep.name.upper()
        if prefix in prefixes:
            raise PluginError(f"check pack prefix '{prefix}' is claimed by both {prefixes[prefix]} and {dist}")
        if prefix == "RC":
            raise PluginError(f"check pack {dist} claims the prefix 'RC', which is reserved for built-in checks")
        prefixes[prefix] = dist
        saved = (dict(reg.specs), dict(reg.origins), dict(reg.detectors), dict(reg.detector_origins))
        try:
            _load_pack(reg, ep, prefix, dist)
        except _PackFailure as exc:
            reg.specs, reg.origins, reg.detectors, reg.detector_origins = saved
            reg.broken_packs.append((prefix, str(exc)))


def _load_pack(reg: Registry, ep: Any, prefix: str, dist: str) -> None:
    import contextlib
    import io

    printed = io.StringIO()
    try:
        # Whatever a pack prints while it loads must not land in a report written to stdout.
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            obj = ep.load()
            pack = obj() if callable(obj) else obj
    except Exception as exc:
        raise _PackFailure(f"check pack '{ep.name}' from {dist} failed to load: {type(exc).__name__}: {str(exc)[:200]}") from None
    except (SystemExit, KeyboardInterrupt) as exc:  # a pack's import that calls sys.exit()
        raise _PackFailure(f"check pack '{ep.name}' from {dist} failed to load: {type(exc).__name__}: {str(exc)[:200]}") from None
    finally:
        if printed.getvalue():
            reg.pack_notes.append(
                f"check pack '{ep.name}' from {dist} printed {len(printed.getvalue())} character(s) while loading (not shown)"
            )
    if isinstance(pack, (str, Path)):
        pack = {"checks_dir": pack}
    if not isinstance(pack, Mapping):
        raise _PackFailure(
            f"check pack '{ep.name}' from {dist} returned {type(pack).__name__}, not a mapping with 'checks_dir' and/or 'detectors'"
        )
    try:
        detectors = dict(pack.get("detectors") or {})
        checks_dir = pack.get("checks_dir")
    except Exception as exc:
        raise _PackFailure(f"check pack '{ep.name}' from {dist} returned an unusable mapping: {type(exc).__name__}: {str(exc)[:200]}") from None
    try:
        for name, fn in detectors.items():
            if not isinstance(name, str) or not callable(fn):
                raise _PackFailure(f"check pack '{ep.name}' from {dist}: detector {name!r} is not callable")
            reg.add_detector(name, fn, dist)
        if checks_dir:
            if not isinstance(checks_dir, (str, Path)):
                raise _PackFailure(f"check pack '{ep.name}' from {dist}: 'checks_dir' is a {type(checks_dir).__name__}, not a path")
            for spec, origin in _specs_in(Path(checks_dir), dist):
                if not spec.id.startswith(prefix):
                    raise _PackFailure(f"check pack {dist}: check id {spec.id} does not start with its prefix '{prefix}'")
                if spec.detector not in reg.detectors:
                    raise _PackFailure(f"check pack {dist}: check {spec.id} uses unknown detector '{spec.detector}'")
                if spec.item not in ITEMS_BY_NUMBER:
                    raise _PackFailure(f"check pack {dist}: check {spec.id} names unknown checklist item {spec.item}")
                reg.add(spec, f"{dist}: {origin}")
    except (PluginError, CheckSpecError) as exc:
        raise _PackFailure(exc.message) from None

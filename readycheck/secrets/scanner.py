"""Static secret scanner: finds credentials in text, line by line, without executing anything.

Rules are data (``rules.yaml`` next to this module, plus any user rules in the same shape). A
rule's regex only runs on lines holding one of its keywords, and those lines are found with one
search over the whole text, so lines without a keyword cost nothing. Matches that are documented
examples, placeholders or references to the environment are dropped, overlapping matches of
several rules collapse to the most specific one, and every finding carries a redacted form and a
fingerprint: never the secret itself.
"""

from __future__ import annotations

import hashlib
import math
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from itertools import accumulate
from typing import Any, Iterable, Iterator, Mapping, Sequence

import yaml

__all__ = [
    "CONFIDENCES",
    "SecretFinding",
    "SecretRule",
    "entropy",
    "env_assignments",
    "fingerprint",
    "is_placeholder",
    "load_rules",
    "redact",
    "redact_line",
    "rule_from_mapping",
    "scan_text",
]

CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")
_RANK = {name: rank for rank, name in enumerate(CONFIDENCES)}
_RULE_KEYS = frozenset(
    {"id", "provider", "description", "confidence", "regex", "secret_group", "keywords", "min_entropy", "allow"}
)
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


# --- rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SecretRule:
    """One detection rule. Construction validates it and compiles its regexes once."""

    id: str
    provider: str
    description: str
    confidence: str
    regex: str
    secret_group: int | str = 0
    keywords: tuple[str, ...] = ()
    min_entropy: float | None = None
    allow: tuple[str, ...] = ()
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _allow: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", _compile(self.id, "regex", self.regex))
        object.__setattr__(self, "_allow", tuple(_compile(self.id, "allow", a) for a in self.allow))
        _check_rule(self)

    @property
    def pattern(self) -> re.Pattern[str]:
        return self._pattern

    def allows(self, secret: str) -> bool:
        """True when one of the rule's allow regexes matches the secret (not a finding)."""
        return any(p.search(secret) for p in self._allow)

    def wants(self, lowered_line: str) -> bool:
        """The keyword pre-filter: is the (lowercased) line worth running the regex on?"""
        return not self.keywords or any(k in lowered_line for k in self.keywords)


def _problem(rule_id: object, message: str) -> ValueError:
    return ValueError(f"secret rule {rule_id!r}: {message}")


def _compile(rule_id: object, what: str, pattern: str) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise _problem(rule_id, f"{what} must be a non-empty string")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise _problem(rule_id, f"invalid {what} {pattern!r}: {exc}") from None


def _check_rule(rule: SecretRule) -> None:
    _check_labels(rule)
    _check_group(rule)
    _check_filters(rule)


def _check_labels(rule: SecretRule) -> None:
    if not isinstance(rule.id, str) or not _RULE_ID.fullmatch(rule.id):
        raise _problem(rule.id, "id must be letters, digits, '-', '_' or '.' (at most 100)")
    for name in ("provider", "description"):
        if not isinstance(getattr(rule, name), str) or not getattr(rule, name).strip():
            raise _problem(rule.id, f"{name} must be a non-empty string")
    if rule.confidence not in _RANK:
        raise _problem(rule.id, f"confidence must be one of {', '.join(CONFIDENCES)}, not {rule.confidence!r}")


def _check_group(rule: SecretRule) -> None:
    group = rule.secret_group
    if isinstance(group, bool) or not isinstance(group, (int, str)):
        raise _problem(rule.id, "secret_group must be a group number or name")
    if isinstance(group, int) and not 0 <= group <= rule.pattern.groups:
        raise _problem(rule.id, f"secret_group {group} is not a group of the regex ({rule.pattern.groups} groups)")
    if isinstance(group, str) and group not in rule.pattern.groupindex:
        raise _problem(rule.id, f"secret_group {group!r} is not a named group of the regex")
    if rule.pattern.search("") is not None:
        raise _problem(rule.id, "regex matches the empty string")


def _check_filters(rule: SecretRule) -> None:
    if any(not isinstance(k, str) or not k or k != k.lower() for k in rule.keywords):
        raise _problem(rule.id, "keywords must be non-empty lowercase strings")
    if rule.min_entropy is not None and (
        isinstance(rule.min_entropy, bool) or not isinstance(rule.min_entropy, (int, float)) or rule.min_entropy < 0
    ):
        raise _problem(rule.id, "min_entropy must be a non-negative number")


def rule_from_mapping(entry: Mapping[str, Any]) -> SecretRule:
    """A rule from a YAML-shaped mapping; ValueError names the rule and what is wrong with it."""
    if not isinstance(entry, Mapping):
        raise ValueError(f"secret rule must be a mapping, not {type(entry).__name__}")
    rule_id: Any = entry.get("id")  # validated by SecretRule
    unknown = sorted(str(k) for k in entry if k not in _RULE_KEYS)
    if unknown:
        raise _problem(rule_id, f"unknown field(s): {', '.join(unknown)}")
    for key in ("id", "provider", "description", "confidence", "regex"):
        if entry.get(key) in (None, ""):
            raise _problem(rule_id, f"missing field {key!r}")
    min_entropy: Any = entry.get("min_entropy")
    return SecretRule(
        id=rule_id,
        provider=entry["provider"],
        description=entry["description"],
        confidence=entry["confidence"],
        regex=entry["regex"],
        secret_group=entry.get("secret_group", 0),
        keywords=_strings(rule_id, "keywords", entry.get("keywords", ()), lower=True),
        min_entropy=float(min_entropy) if _is_number(min_entropy) else min_entropy,
        allow=_strings(rule_id, "allow", entry.get("allow", ()), lower=False),
    )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _strings(rule_id: object, name: str, value: object, *, lower: bool) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _problem(rule_id, f"{name} must be a list of strings")
    items = tuple(value)
    if not all(isinstance(v, str) and v for v in items):
        raise _problem(rule_id, f"{name} must be a list of non-empty strings")
    return tuple(v.lower() for v in items) if lower else items


@cache
def _builtin_rules() -> tuple[SecretRule, ...]:
    text = resources.files(__package__ or "readycheck.secrets").joinpath("rules.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    entries = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError("rules.yaml: expected a 'rules' list")
    return _unique(tuple(rule_from_mapping(e) for e in entries))


def _unique(rules: tuple[SecretRule, ...]) -> tuple[SecretRule, ...]:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise _problem(rule.id, "duplicate rule id")
        seen.add(rule.id)
    return rules


def load_rules(extra: Sequence[Mapping[str, Any]] | None = ()) -> tuple[SecretRule, ...]:
    """The built-in rules (parsed once) followed by ``extra`` user rules in the YAML shape."""
    builtin = _builtin_rules()
    if not extra:
        return builtin
    if isinstance(extra, (str, bytes, Mapping)):
        raise ValueError("extra secret rules must be a list of rule mappings")
    return _unique(builtin + tuple(rule_from_mapping(e) for e in extra))


# --- placeholders, examples, references -----------------------------------------------------------

_PLACEHOLDER_VALUES = frozenset(
    {
        "none", "null", "nil", "undefined", "true", "false", "empty", "string", "str", "value", "key",
        "password", "passwd", "secret", "token", "apikey", "api_key", "api-key", "changeme", "admin",
        "test", "default", "todo", "tbd", "n/a", "na", "-", "redacted", "hidden", "masked",
    }
)  # fmt: skip
_FAKE_WORDS = (
    "example", "dummy", "fake", "placeholder", "sample", "changeme", "change_me", "change-me",
    "replace_me", "replace-me", "replaceme", "redacted", "xxxx", "****", "...", "\u2026", "your_",
    "your-", "yourkey", "yourtoken", "yoursecret", "yourapi", "yourpass", "<your", "not_a_real",
    "not-a-real", "notareal", "insert_", "insert-", "_here", "-here", "mock_", "mock-", "invalid",
)  # fmt: skip
# ${VAR} $(cmd) $VAR {{ x }} {% x %} %(x)s %VAR% <your key>
_TEMPLATE = re.compile(r"^(?:\$\{|\$\(|\$[A-Za-z_]|\{\{|\{%|%\(|%[A-Za-z_][A-Za-z0-9_]{0,60}%|<[^<>]{1,80}>$)")
# Code that reads the value at run time, and references to secret managers.
_LOOKUP = re.compile(
    r"os\.environ|os\.getenv|getenv\(|process\.env|import\.meta\.env|System\.getenv|ENV\[|env\(|"
    r"^(?:arn:aws[\w-]{0,12}:(?:secretsmanager|ssm):|vault:|op://|ssm:|secretsmanager:|sm://|"
    r"projects/[^/]{1,100}/secrets/)"
)
_MASK = re.compile(r"[*xX.\u2022#_\-]{1,4096}")
_SAME_RUN = 6  # this many identical characters in a row: aaaaaa, 000000
_SEQ_RUN = 6  # this many consecutive characters: 123456, abcdef, fedcba
_WINDOW = 64  # long blobs (key bodies) are judged on their start only


def is_placeholder(value: str) -> bool:
    """True for values that are not real secrets: empty, templates, environment lookups, masks,
    documented examples (EXAMPLE, dummy, your_...) and runs like ``000000`` or ``123456``."""
    v = value.strip().strip("\"'`")
    if not v:
        return True
    low = v.lower()
    if low in _PLACEHOLDER_VALUES or _MASK.fullmatch(v):
        return True
    if _TEMPLATE.search(v) or _LOOKUP.search(v):
        return True
    head = low if len(low) <= 4 * _WINDOW else low[:_WINDOW]
    return any(word in head for word in _FAKE_WORDS) or _has_run(head)


def _has_run(text: str) -> bool:
    """Runs in lowercased ``text`` of one character or of consecutive ones: aaaaaa, 123456, abcdef."""
    same = up = down = 1
    for prev, cur in zip(text, text[1:]):
        same = same + 1 if cur == prev else 1
        step = ord(cur) - ord(prev) if cur.isalnum() and prev.isalnum() else 0
        up = up + 1 if step == 1 else 1
        down = down + 1 if step == -1 else 1
        if same >= _SAME_RUN or up >= _SEQ_RUN or down >= _SEQ_RUN:
            return True
    return False


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in Counter(text).values())


# --- redaction ------------------------------------------------------------------------------------

# Public, fixed prefixes that say what a credential is without revealing any of it.
_KNOWN_PREFIXES = tuple(
    sorted(
        (
            "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-ant-api03-", "sk-ant-admin01-", "sk-",
            "sk_live_", "rk_live_", "AKIA", "ASIA", "AIza", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
            "github_pat_", "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-", "hf_",
            "-----BEGIN",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(secret: str) -> str:
    """A stable identifier of the secret: the first 16 hex digits of its SHA-256."""
    return _digest(secret)[:16]


def _visible_prefix(secret: str) -> str:
    for prefix in _KNOWN_PREFIXES:
        if secret.startswith(prefix) and len(secret) >= len(prefix) + 8:
            return prefix
    return secret[:4] if len(secret) >= 16 else ""


def redact(secret: str) -> str:
    """``sk-proj-…[a1b2c3d4]``: a known prefix (or 4 characters of a long secret), never more."""
    return f"{_visible_prefix(secret)}\u2026[{_digest(secret)[:8]}]"


# --- scanning -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SecretFinding:
    """A secret found in text; ``line`` and ``column`` are 1-based, the secret itself is not kept."""

    rule_id: str
    provider: str
    description: str
    confidence: str
    line: int
    column: int
    redacted: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    order: int
    rule: SecretRule
    secret: str

    @property
    def priority(self) -> tuple[int, int, int]:
        """Sort key of overlapping hits: confidence, then the longer secret, then rule order."""
        return (_RANK[self.rule.confidence], self.start - self.end, self.order)


_TEMPLATE_FILE = re.compile(r"(^|[./_-])(example|sample|template|tpl|dist)$", re.I)


def _active(lowered: str, rules: Sequence[SecretRule] | None) -> list[tuple[int, SecretRule]]:
    """Rules (with their position, the tie-breaker) whose keywords occur in the lowered text."""
    chosen = load_rules() if rules is None else rules
    return [(i, r) for i, r in enumerate(chosen) if r.wants(lowered)]


@lru_cache(maxsize=64)
def _keyword_finder(keywords: frozenset[str], *, fold: bool) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    return re.compile(alternatives, re.IGNORECASE if fold else 0)


def _lines_to_scan(text: str, lowered: str, active: Sequence[tuple[int, SecretRule]]) -> Iterator[tuple[int, str]]:
    """(number, line) of the lines holding a keyword of an active rule, found with one regex
    search per such line instead of a Python-level test of every line."""
    lines = text.splitlines()
    if any(not rule.keywords for _, rule in active):
        yield from enumerate(lines, start=1)
        return
    starts = list(accumulate((len(part) for part in text.splitlines(keepends=True)), initial=0))
    keywords = frozenset(k for _, rule in active for k in rule.keywords)
    # A case-sensitive search of the lowercased text is far faster than an IGNORECASE one; it
    # is only valid while lowercasing kept every character at its offset.
    aligned = len(lowered) == len(text)
    finder = _keyword_finder(keywords, fold=not aligned)
    haystack = lowered if aligned else text
    pos = 0
    while (match := finder.search(haystack, pos)) is not None:
        index = bisect_right(starts, match.start()) - 1
        if index >= len(lines):
            return
        yield index + 1, lines[index]
        pos = starts[index + 1]


def _accept(rule: SecretRule, secret: str) -> bool:
    if rule.min_entropy is not None and entropy(secret) < rule.min_entropy:
        return False
    return not rule.allows(secret) and not is_placeholder(secret)


def _candidates(line: str, active: Sequence[tuple[int, SecretRule]]) -> Iterable[_Hit]:
    lowered = line.lower()
    runs: dict[re.Pattern[str], list[re.Match[str]]] = {}  # rules sharing a regex share its run
    for order, rule in active:
        if not rule.wants(lowered):
            continue
        if rule.pattern not in runs:
            runs[rule.pattern] = list(rule.pattern.finditer(line))
        for match in runs[rule.pattern]:
            secret = match.group(rule.secret_group)
            if secret and _accept(rule, secret):
                start, end = match.span(rule.secret_group)
                yield _Hit(start, end, order, rule, secret)


def _scan_line(line: str, active: Sequence[tuple[int, SecretRule]]) -> list[_Hit]:
    """One hit per secret, in order: of overlapping matches, keep the most confident and specific."""
    starts: list[int] = []  # kept hits never overlap, so sorted starts locate the neighbours
    kept: list[_Hit] = []
    for hit in sorted(_candidates(line, active), key=lambda h: h.priority):
        i = bisect_right(starts, hit.start)
        if (i and kept[i - 1].end > hit.start) or (i < len(kept) and kept[i].start < hit.end):
            continue
        starts.insert(i, hit.start)
        kept.insert(i, hit)
    return kept


def _finding(hit: _Hit, line: int) -> SecretFinding:
    rule = hit.rule
    return SecretFinding(
        rule_id=rule.id,
        provider=rule.provider,
        description=rule.description,
        confidence=rule.confidence,
        line=line,
        column=hit.start + 1,
        redacted=redact(hit.secret),
        fingerprint=fingerprint(hit.secret),
    )


def scan_text(text: str, *, rules: Sequence[SecretRule] | None = None, path: str = "") -> list[SecretFinding]:
    """Every secret in ``text``, sorted by (line, column). ``rules`` defaults to the built-in ones.

    ``path`` is the file the text comes from: in example and template files (``.env.example``,
    ``settings.sample``, ``*.tpl``...) low-confidence findings are left out.
    """
    lowered = text.lower()
    active = _active(lowered, rules)
    if not active:
        return []
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    skip_low = bool(name) and _TEMPLATE_FILE.search(name) is not None
    findings: list[SecretFinding] = []
    for number, line in _lines_to_scan(text, lowered, active):
        for hit in _scan_line(line, active):
            if not (skip_low and hit.rule.confidence == "low"):
                findings.append(_finding(hit, number))
    return findings


def redact_line(line: str, rules: Sequence[SecretRule] | None = None) -> str:
    """``line`` with every secret ``scan_text`` would find replaced by its redacted form."""
    active = _active(line.lower(), rules)
    if not active:
        return line
    return "".join(_redact_one(part, active) for part in line.splitlines(keepends=True))


def _redact_one(part: str, active: Sequence[tuple[int, SecretRule]]) -> str:
    body = part.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
    pieces: list[str] = []
    done = 0
    for hit in _scan_line(body, active):
        pieces += [body[done : hit.start], redact(hit.secret)]
        done = hit.end
    return "".join(pieces) + body[done:] + part[len(body) :]


# --- .env files -----------------------------------------------------------------------------------

_ENV_LINE = re.compile(r"\s{0,64}(?:export\s{1,16})?(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,255})\s{0,16}=(?P<rest>.*)")


def env_assignments(text: str) -> list[tuple[int, str, str]]:
    """``(line, KEY, value)`` for each ``KEY=value`` or ``export KEY=value`` line of a .env file;
    quotes are stripped, comments (whole-line and `` # trailing``) ignored."""
    out: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match:
            out.append((number, match["key"], _env_value(match["rest"])))
    return out


def _env_value(rest: str) -> str:
    rest = rest.strip()
    if rest[:1] in ("'", '"'):
        return _quoted(rest)
    if rest.startswith("#"):
        return ""
    cut = re.search(r"\s#", rest)
    return (rest[: cut.start()] if cut else rest).strip()


def _quoted(rest: str) -> str:
    quote, escaped = rest[0], False
    chars: list[str] = []
    for ch in rest[1:]:
        if escaped:
            chars.append(ch if ch in ('"', "\\") else "\\" + ch)
            escaped = False
        elif ch == "\\" and quote == '"':
            escaped = True
        elif ch == quote:
            break
        else:
            chars.append(ch)
    return "".join(chars)

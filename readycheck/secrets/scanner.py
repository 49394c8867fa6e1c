"""Static secret scanner: finds credentials in text, line by line, without executing anything.

Rules are data (``rules.yaml`` next to this module, plus any user rules in the same shape). A
rule's regex only runs on lines holding one of its keywords, and those lines are found with one
search over the whole text, so lines without a keyword cost nothing. Matches that are documented
examples, placeholders or references to the environment are dropped, some are checked further
by a named validator (the checksum of GitHub tokens, the structure of a JWT), overlapping matches
of several rules collapse to the most specific one, and every finding carries a redacted form and
a fingerprint: never the secret itself.

``scan_text`` reads text as it is; ``scan_file`` first looks at what the file is: the cells of a
Jupyter notebook are read as the code they hold, the base64 values of a Kubernetes Secret are
decoded, and the old ``ENV NAME value`` form of a Dockerfile reads as an assignment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
import string
import threading
import zlib
from bisect import bisect_right
from collections import Counter
from dataclasses import InitVar, dataclass, field
from functools import cache, lru_cache
from importlib import resources
from itertools import accumulate
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import yaml

__all__ = [
    "CONFIDENCES",
    "VALIDATORS",
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
    "scan_file",
    "scan_text",
]

CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")
_RANK = {name: rank for rank, name in enumerate(CONFIDENCES)}
_RULE_KEYS = frozenset(
    {
        "id", "provider", "description", "confidence", "regex", "secret_group", "keywords", "min_entropy",
        "allow", "verify", "unverified_confidence", "requires_finding", "requires_text", "generic",
    }
)  # fmt: skip
_FILE_KEYS = frozenset({"version", "examples", "rules"})
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_MIN_EXAMPLE = 8  # a shorter example would hide too many real secrets


# --- validators -----------------------------------------------------------------------------------

_BASE62 = {ch: i for i, ch in enumerate(string.digits + string.ascii_uppercase + string.ascii_lowercase)}


def _github_checksum(secret: str) -> bool:
    """GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_) and npm tokens: after the prefix, random
    characters and then 6 base62 digits (0-9A-Za-z) of the CRC32 of those random characters."""
    body = secret.partition("_")[2]
    if len(body) < 7 or not body.isascii() or not body.isalnum():
        return False
    value = 0
    for ch in body[-6:]:
        value = value * 62 + _BASE62[ch]
    return value == zlib.crc32(body[:-6].encode("ascii"))


def _json_segment(segment: str) -> Any:
    if len(segment) > 16384:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, RecursionError):  # binascii.Error, UnicodeDecodeError and JSONDecodeError too
        return None


def _jwt(secret: str) -> bool:
    """A signed JWT: header and payload decode to JSON objects, the header names an algorithm
    other than "none", and the token is not one that is public by design (a Supabase anon key)."""
    parts = secret.split(".")
    if len(parts) != 3:
        return False
    header, payload = _json_segment(parts[0]), _json_segment(parts[1])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return False
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg or alg.lower() == "none":
        return False
    return payload.get("role") != "anon"


VALIDATORS: Mapping[str, Callable[[str], bool]] = MappingProxyType({"github-checksum": _github_checksum, "jwt": _jwt})
"""The named validators a rule's ``verify`` field can use: each says whether a secret has the
structure its issuer gives it."""

_UNVERIFIED_NOTES = {
    "github-checksum": "its checksum does not match, so it was probably not issued as is",
    "jwt": "it does not decode as a signed JWT",
}


# --- rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SecretRule:
    """One detection rule. Construction validates it and compiles its regexes once; a rule built
    with ``checked=False`` (the built-in set, which the test suite validates) compiles each of its
    regexes on first use, so a run that meets none of its keywords never pays for them."""

    id: str
    provider: str
    description: str
    confidence: str
    regex: str
    secret_group: int | str = 0
    keywords: tuple[str, ...] = ()
    min_entropy: float | None = None
    allow: tuple[str, ...] = ()
    verify: str | None = None
    unverified_confidence: str | None = None
    requires_finding: str | None = None
    requires_text: tuple[str, ...] = ()
    generic: bool = False
    checked: InitVar[bool] = True
    _pattern: re.Pattern[str] | None = field(init=False, default=None, repr=False, compare=False)
    _allow: tuple[re.Pattern[str], ...] = field(init=False, default=(), repr=False, compare=False)
    _requires: tuple[re.Pattern[str], ...] = field(init=False, default=(), repr=False, compare=False)

    def __post_init__(self, checked: bool) -> None:
        if checked:
            self._compile_all()
            _check_rule(self)

    def _compile_all(self) -> re.Pattern[str]:
        # Threads may race here: both compile the same patterns, and either result is right.
        pattern = _compile(self.id, "regex", self.regex)
        object.__setattr__(self, "_allow", tuple(_compile(self.id, "allow", a) for a in self.allow))
        object.__setattr__(self, "_requires", tuple(_compile(self.id, "requires_text", r) for r in self.requires_text))
        object.__setattr__(self, "_pattern", pattern)  # last: once it is set, the others are
        return pattern

    @property
    def pattern(self) -> re.Pattern[str]:
        pattern = self._pattern
        return pattern if pattern is not None else self._compile_all()

    def allows(self, secret: str) -> bool:
        """True when one of the rule's allow regexes matches the secret (not a finding)."""
        if self._pattern is None:
            self._compile_all()
        return any(p.search(secret) for p in self._allow)

    def wants(self, lowered_line: str) -> bool:
        """The keyword pre-filter: is the (lowercased) line worth running the regex on?"""
        return not self.keywords or any(k in lowered_line for k in self.keywords)

    def fits(self, text: str) -> bool:
        """The ``requires_text`` condition: does every one of its regexes match in ``text``?"""
        if self._pattern is None:
            self._compile_all()
        return all(p.search(text) for p in self._requires)


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
    _check_conditions(rule)


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


def _check_conditions(rule: SecretRule) -> None:
    if rule.verify is not None and rule.verify not in VALIDATORS:
        raise _problem(rule.id, f"verify must be one of {', '.join(sorted(VALIDATORS))}, not {rule.verify!r}")
    if rule.unverified_confidence is not None:
        if rule.verify is None:
            raise _problem(rule.id, "unverified_confidence needs a verify validator")
        if rule.unverified_confidence not in _RANK or _RANK[rule.unverified_confidence] <= _RANK[rule.confidence]:
            lower = ", ".join(CONFIDENCES[_RANK[rule.confidence] + 1 :]) or "nothing"
            raise _problem(rule.id, f"unverified_confidence must be lower than confidence: {lower}")
    if rule.requires_finding is not None and (
        not isinstance(rule.requires_finding, str) or not _RULE_ID.fullmatch(rule.requires_finding)
    ):
        raise _problem(rule.id, "requires_finding must be the id of another rule")
    if rule.requires_finding == rule.id:
        raise _problem(rule.id, "requires_finding cannot name the rule itself")
    if not isinstance(rule.generic, bool):
        raise _problem(rule.id, "generic must be true or false")


def rule_from_mapping(entry: Mapping[str, Any], *, checked: bool = True) -> SecretRule:
    """A rule from a YAML-shaped mapping; ValueError names the rule and what is wrong with it
    (``checked=False``: its regexes are compiled and checked on first use, for trusted rules)."""
    if not isinstance(entry, Mapping):
        raise ValueError(f"secret rule must be a mapping, not {type(entry).__name__}")
    rule_id: Any = entry.get("id")  # validated by SecretRule
    unknown = sorted(str(k) for k in entry if k not in _RULE_KEYS)
    if unknown:
        raise _problem(rule_id, f"unknown field(s): {', '.join(unknown)}")
    for key in ("id", "provider", "description", "confidence", "regex"):
        if entry.get(key) in (None, ""):
            raise _problem(rule_id, f"missing field {key!r}")
    for key in ("verify", "unverified_confidence", "requires_finding"):
        if key in entry and not isinstance(entry[key], str):
            raise _problem(rule_id, f"{key} must be a string")
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
        verify=entry.get("verify"),
        unverified_confidence=entry.get("unverified_confidence"),
        requires_finding=entry.get("requires_finding"),
        requires_text=_strings(rule_id, "requires_text", entry.get("requires_text", ()), lower=False),
        generic=entry.get("generic", False),
        checked=checked,
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


@dataclass(frozen=True, slots=True)
class _RuleFile:
    rules: tuple[SecretRule, ...]
    examples: tuple[str, ...]


def _parse_rule_file(data: object, source: str, *, checked: bool = True) -> _RuleFile:
    """A rules file in the shape of ``rules.yaml`` (``secret-rules.schema.json``)."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a mapping with 'version' and 'rules'")
    unknown = sorted(str(k) for k in data if k not in _FILE_KEYS)
    if unknown:
        raise ValueError(f"{source}: unknown field(s): {', '.join(unknown)}")
    if data.get("version") != 1 or isinstance(data.get("version"), bool):
        raise ValueError(f"{source}: version must be 1")
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: expected a non-empty 'rules' list")
    examples = data.get("examples", [])
    if not isinstance(examples, list) or not all(isinstance(e, str) and len(e) >= _MIN_EXAMPLE for e in examples):
        raise ValueError(f"{source}: examples must be a list of strings of at least {_MIN_EXAMPLE} characters")
    rules = tuple(rule_from_mapping(e, checked=checked) for e in entries)
    _check_set(rules)
    return _RuleFile(rules, tuple(examples))


_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


@cache
def _builtin() -> _RuleFile:
    text = resources.files(__package__ or "readycheck.secrets").joinpath("rules.yaml").read_text(encoding="utf-8")
    # Validated whole by the test suite, not at every start: each regex is compiled when a line
    # holding one of its rule's keywords first asks for it.
    return _parse_rule_file(yaml.load(text, Loader=_YAML_LOADER), "rules.yaml", checked=False)


def _check_set(rules: tuple[SecretRule, ...]) -> None:
    """Rule ids are unique, and each ``requires_finding`` names a rule of the set that has no
    requirement of its own."""
    by_id: dict[str, SecretRule] = {}
    for rule in rules:
        if rule.id in by_id:
            raise _problem(rule.id, "duplicate rule id")
        by_id[rule.id] = rule
    for rule in rules:
        if rule.requires_finding is None:
            continue
        target = by_id.get(rule.requires_finding)
        if target is None:
            raise _problem(rule.id, f"requires_finding names no rule: {rule.requires_finding!r}")
        if target.requires_finding is not None:
            raise _problem(rule.id, f"requires_finding names {target.id!r}, which has a requires_finding itself")


def load_rules(extra: Sequence[Mapping[str, Any]] | None = ()) -> tuple[SecretRule, ...]:
    """The built-in rules (parsed once) followed by ``extra`` user rules in the YAML shape."""
    builtin = _builtin().rules
    if not extra:
        return builtin
    if isinstance(extra, (str, bytes, Mapping)):
        raise ValueError("extra secret rules must be a list of rule mappings")
    rules = builtin + tuple(rule_from_mapping(e) for e in extra)
    _check_set(rules)
    return rules


# --- placeholders, examples, references -----------------------------------------------------------

_PLACEHOLDER_VALUES = frozenset(
    {
        "none", "null", "nil", "undefined", "true", "false", "empty", "string", "str", "value", "key",
        "password", "passwd", "secret", "token", "apikey", "api_key", "api-key", "changeme", "admin",
        "test", "default", "todo", "tbd", "n/a", "na", "-", "redacted", "hidden", "masked", "hunter2",
    }
)  # fmt: skip
_FAKE_WORDS = (
    "example", "dummy", "fake", "placeholder", "sample", "changeme", "change_me", "change-me",
    "replace_me", "replace-me", "replaceme", "redacted", "****", "...", "\u2026", "your_",
    "your-", "yourkey", "yourtoken", "yoursecret", "yourapi", "yourpass", "<your", "not_a_real",
    "not-a-real", "notareal", "insert_", "insert-", "_here", "-here", "mock_", "mock-", "invalid",
)  # fmt: skip
# A placeholder word counts anywhere when it holds punctuation (your_, _here, ****) or, written in
# one case, has 7 letters or more (EXAMPLE in AWS's documented keys: 1 in 10^12 by chance); a
# shorter one (fake, dummy, sample) only where a word starts (sk-fake-key, FAKE_KEY), never inside
# a random key body ("...9fAKeBGr...", "BRFake8", a few keys in 10,000).
def _fake_word_pattern(word: str) -> str:
    if not word.isalpha():
        return "(?i:" + re.escape(word) + ")"
    start = "(?<![A-Za-z0-9])(?i:" + re.escape(word) + ")"
    if len(word) >= 7:
        return start + "|" + re.escape(word.lower()) + "|" + re.escape(word.upper())
    return start


_FAKE_WORD = re.compile("|".join(_fake_word_pattern(w) for w in sorted(_FAKE_WORDS, key=len, reverse=True)))
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
_MIXED_RUN = 8  # a run mixing upper and lower case counts from this length (see _has_run)
_WINDOW = 64  # long blobs (key bodies) are judged on their start only


def is_placeholder(value: str) -> bool:
    """True for values that are not real secrets: empty, templates, environment lookups, masks,
    documented examples (EXAMPLE, dummy, your_..., the published example keys of ``rules.yaml``)
    and runs like ``000000`` or ``123456``."""
    v = value.strip().strip("\"'`")
    if not v:
        return True
    low = v.lower()
    if low in _PLACEHOLDER_VALUES or _published_example(v):
        return True
    if _TEMPLATE.search(v) or _LOOKUP.search(v):
        return True
    head = low if len(low) <= 4 * _WINDOW else low[:_WINDOW]
    # A mask is written in one case (xxxx, XXXX); a key body may hold "XXxx" by chance.
    masked = "xxxx" in v[: len(head)] or "XXXX" in v[: len(head)]
    return masked or _FAKE_WORD.search(v[: len(head)]) is not None or _has_run(v[: len(head)])


def _has_run(text: str) -> bool:
    """Runs of one character or of consecutive ones, whatever their case: aaaaaa, 123456, abcdef,
    FEDCBA, and walks of the alphabet such as "QRsTUvwxyz". A run that mixes upper and lower case
    counts from _MIXED_RUN characters only: a random key body holds one such as "JIhGFe" about
    once in 10,000 keys, while a written walk runs on."""
    low = text.lower()
    same = up = down = 0  # where each kind of run started
    for i in range(1, len(low)):
        prev, cur = low[i - 1], low[i]
        if cur != prev:
            same = i
        step = ord(cur) - ord(prev) if cur.isalnum() and prev.isalnum() else 0
        if step != 1:
            up = i
        if step != -1:
            down = i
        for start, needed in ((same, _SAME_RUN), (up, _SEQ_RUN), (down, _SEQ_RUN)):
            length = i - start + 1
            if length >= needed:
                run = text[start : i + 1]
                if length >= _MIXED_RUN or run == run.lower() or run == run.upper():
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
            "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-ant-api03-", "sk-ant-admin01-", "sk-ant-oat01-",
            "sk-ant-ort01-", "sk-or-v1-", "sk-lf-", "sk-", "sk_live_", "rk_live_", "AKIA", "ASIA", "AIza",
            "GOCSPX-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glrt-",
            "glptt-", "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-", "hf_", "api_org_",
            "gsk_", "r8_", "pplx-", "xai-", "lsv2_pt_", "lsv2_sk_", "tvly-", "pcsk_", "SG.", "npm_",
            "pypi-", "dapi", "dop_v1_", "sbp_", "sb_secret_", "ntn_", "lin_api_", "shpat_", "glsa_",
            "sntryu_", "sntrys_", "NRAK-", "PMAK-", "AGE-SECRET-KEY-", "eyJ", "-----BEGIN",
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


# --- the scan plan: which rules a line wants -------------------------------------------------------


def _trie_regex(words: Iterable[str]) -> str:
    """One regex for a set of literal words, shaped as their prefix tree: at each position of the
    text the regex engine follows one branch per character instead of trying every word."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"

    return build(root)


@dataclass(frozen=True, slots=True)
class _Plan:
    """A rule set prepared for scanning: one keyword regex for all its rules, and for each
    keyword the rules it selects."""

    rules: tuple[SecretRule, ...]
    always: frozenset[int]  # rules without keywords: every line
    selects: Mapping[str, frozenset[int]]  # keyword -> rules whose keywords it holds
    selector: re.Pattern[str] | None  # every keyword, to tell which ones a line holds
    finder: re.Pattern[str] | None  # the keywords that hold no other one: to find lines
    folded: re.Pattern[str] | None  # the same, case-insensitive: for text lowercasing moved

    def rules_for(self, lowered_line: str) -> list[int]:
        """Positions of the rules whose keywords occur in the (lowercased) line, in rule order.
        Each search finds the longest keyword starting at a position; the keywords inside it are
        counted through ``selects``, those starting later by the next search."""
        picked = set(self.always)
        if self.selector is not None:
            pos = 0
            while (match := self.selector.search(lowered_line, pos)) is not None:
                picked |= self.selects[match.group()]
                if len(picked) == len(self.rules):
                    break
                pos = match.start() + 1
        return sorted(picked)


# Plans of the rule tuples scanned with, by identity: a scan of many files asks for the plan of
# the same tuple once per file, and hashing 70 rules each time would cost more than the lookup.
# Each entry holds its tuple, so the id cannot be reused while the entry lives. Checks run in
# threads: the lock keeps eviction safe.
_PLANS: dict[int, tuple[tuple[SecretRule, ...], _Plan]] = {}
_PLANS_LOCK = threading.Lock()
_MAX_PLANS = 16


def _plan_for(rules: Sequence[SecretRule] | None) -> _Plan:
    chosen = load_rules() if rules is None else rules
    if not isinstance(chosen, tuple):
        return _plan_of(tuple(chosen))  # a list may change: judged by value
    cached = _PLANS.get(id(chosen))
    if cached is not None and cached[0] is chosen:
        return cached[1]
    plan = _plan_of(chosen)
    with _PLANS_LOCK:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[id(chosen)] = (chosen, plan)
    return plan


@lru_cache(maxsize=32)
def _plan_of(rules: tuple[SecretRule, ...]) -> _Plan:
    return _make_plan(rules)


def _make_plan(rules: tuple[SecretRule, ...]) -> _Plan:
    keywords = sorted({k for rule in rules for k in rule.keywords}, key=lambda k: (len(k), k))
    selects = {
        word: frozenset(i for i, rule in enumerate(rules) if any(k in word for k in rule.keywords)) for word in keywords
    }
    # A line holding `sk-proj-` holds `sk`: finding lines needs only the keywords that hold no other.
    minimal: list[str] = []
    for word in keywords:
        if not any(shorter in word for shorter in minimal):
            minimal.append(word)
    finder = _trie_regex(minimal) if minimal else None
    selector = _trie_regex(keywords) if keywords else None
    return _Plan(
        rules=rules,
        always=frozenset(i for i, rule in enumerate(rules) if not rule.keywords),
        selects=MappingProxyType(selects),
        selector=re.compile(selector) if selector else None,
        finder=re.compile(finder) if finder else None,
        folded=re.compile(finder, re.IGNORECASE) if finder else None,
    )


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
    confidence: str | None  # None: the rule's validator rejected it; it holds its text, reports nothing
    note: str = ""

    @property
    def priority(self) -> tuple[bool, bool, int, int, int]:
        """Sort key of overlapping hits: a validator's rejection first (nothing else may report
        that text), then provider rules before generic ones, the rule's confidence, the longer
        secret, and the rule listed first."""
        return (self.confidence is not None, self.rule.generic, _RANK[self.rule.confidence], self.start - self.end, self.order)


_TEMPLATE_FILE = re.compile(r"(^|[./_-])(example|sample|template|tpl|dist)$", re.I)
_ODD_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # what splitlines() splits on besides \n


def _only_newlines(text: str) -> bool:
    """Is the line feed the only line break in ``text``? (For ASCII text, cheaper than the regex.)"""
    if text.isascii():
        return not any(ch in text for ch in "\r\x0b\x0c\x1c\x1d\x1e")
    return _ODD_BREAKS.search(text) is None


def _keyword_lines(text: str, lowered: str, plan: _Plan) -> Iterator[tuple[int, str]]:
    """(index, line) of the lines holding a keyword, found with one regex search per such line
    instead of a Python-level test of every line; indices are those of ``text.splitlines()``."""
    if plan.always:
        yield from enumerate(text.splitlines())
        return
    if plan.finder is None or plan.folded is None:
        return
    # A case-sensitive search of the lowercased text is far faster than an IGNORECASE one; it is
    # only valid while lowercasing kept every character at its offset.
    aligned = len(lowered) == len(text)
    finder, haystack = (plan.finder, lowered) if aligned else (plan.folded, text)
    if _only_newlines(text):
        yield from _newline_lines(text, haystack, finder)
        return
    lines = text.splitlines()
    starts = list(accumulate((len(part) for part in text.splitlines(keepends=True)), initial=0))
    pos = 0
    while (match := finder.search(haystack, pos)) is not None:
        index = bisect_right(starts, match.start()) - 1
        if index >= len(lines):
            return
        yield index, lines[index]
        pos = starts[index + 1]


def _newline_lines(text: str, haystack: str, finder: re.Pattern[str]) -> Iterator[tuple[int, str]]:
    """The same for text whose only line break is \\n: no list of every line is built."""
    index = counted = pos = 0
    while (match := finder.search(haystack, pos)) is not None:
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.start())
        end = len(text) if end < 0 else end
        index += text.count("\n", counted, start)
        counted = start
        yield index, text[start:end]
        pos = end + 1


def _accept(rule: SecretRule, secret: str) -> bool:
    if rule.min_entropy is not None and entropy(secret) < rule.min_entropy:
        return False
    if rule.allows(secret):
        return False
    if rule.verify is not None and rule.verify != "jwt" and VALIDATORS[rule.verify](secret):
        # A checksum that matches says the token was issued as is: a word such as "Fake" inside
        # its random body is chance (1 in ~30,000 tokens), not a placeholder. Only the documented
        # example keys and masks still count as not real.
        return not _published_example(secret)
    return not is_placeholder(secret)


def _published_example(value: str) -> bool:
    """A whole-value mask, or one of the documented example keys of ``rules.yaml``: not real even
    when its checksum matches."""
    v = value.strip().strip("\"'`")
    return bool(_MASK.fullmatch(v)) or any(example in v for example in _builtin().examples)


def _candidates(line: str, plan: _Plan, chosen: Iterable[int]) -> list[_Hit]:
    hits: list[_Hit] = []
    runs: dict[str, list[re.Match[str]]] = {}  # rules sharing a regex share its run (keyed by its
    for order in chosen:  # source: hashing a compiled pattern hashes all its code)
        rule = plan.rules[order]
        matches = runs.get(rule.regex)
        if matches is None:
            matches = runs[rule.regex] = list(rule.pattern.finditer(line))
        for match in matches:
            secret = match.group(rule.secret_group)
            if not secret or not _accept(rule, secret):
                continue
            start, end = match.span(rule.secret_group)
            if rule.verify is None or VALIDATORS[rule.verify](secret):
                hits.append(_Hit(start, end, order, rule, secret, rule.confidence))
            else:
                note = _UNVERIFIED_NOTES.get(rule.verify, "") if rule.unverified_confidence else ""
                hits.append(_Hit(start, end, order, rule, secret, rule.unverified_confidence, note))
    return hits


def _resolve(hits: Iterable[_Hit]) -> list[_Hit]:
    """One hit per secret, in order: of overlapping hits, keep the one that comes first by priority."""
    starts: list[int] = []  # kept hits never overlap, so sorted starts locate the neighbours
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: h.priority):
        i = bisect_right(starts, hit.start)
        if (i and kept[i - 1].end > hit.start) or (i < len(kept) and kept[i].start < hit.end):
            continue
        starts.insert(i, hit.start)
        kept.insert(i, hit)
    return kept


def _scan(text: str, rules: Sequence[SecretRule] | None) -> list[tuple[int, _Hit]]:
    """(line index, hit) of every secret in ``text``, in order. Rules with ``requires_finding``
    join in a second pass, on the lines where they matched, once the first found what they need."""
    plan = _plan_for(rules)
    if not plan.rules:
        return []
    lowered = text.lower()
    fits: dict[int, bool] = {}  # requires_text, judged once per text and only when needed
    per_line: list[tuple[int, list[_Hit]]] = []
    for index, line in _keyword_lines(text, lowered, plan):
        chosen = [i for i in plan.rules_for(line.lower()) if _fits(plan.rules[i], i, text, fits)]
        if chosen:
            hits = _candidates(line, plan, chosen)
            if hits:
                per_line.append((index, hits))
    resolved = [(index, _resolve(h for h in hits if h.rule.requires_finding is None)) for index, hits in per_line]
    found = {h.rule.id for _, kept in resolved for h in kept if h.confidence is not None}
    for n, (index, hits) in enumerate(per_line):
        if any(h.rule.requires_finding in found for h in hits):
            resolved[n] = (index, _resolve(h for h in hits if h.rule.requires_finding in (None, *found)))
    return [(index, hit) for index, kept in resolved for hit in kept if hit.confidence is not None]


def _fits(rule: SecretRule, order: int, text: str, memo: dict[int, bool]) -> bool:
    if not rule.requires_text:
        return True
    if order not in memo:
        memo[order] = rule.fits(text)
    return memo[order]


def _finding(hit: _Hit, line: int, column: int) -> SecretFinding:
    rule = hit.rule
    return SecretFinding(
        rule_id=rule.id,
        provider=rule.provider,
        description=f"{rule.description}; {hit.note}" if hit.note else rule.description,
        confidence=hit.confidence or rule.confidence,
        line=line,
        column=column,
        redacted=redact(hit.secret),
        fingerprint=fingerprint(hit.secret),
    )


def _skips_low(path: str) -> bool:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return bool(name) and _TEMPLATE_FILE.search(name) is not None


def scan_text(text: str, *, rules: Sequence[SecretRule] | None = None, path: str = "") -> list[SecretFinding]:
    """Every secret in ``text``, sorted by (line, column). ``rules`` defaults to the built-in ones.

    ``path`` is the file the text comes from: in example and template files (``.env.example``,
    ``settings.sample``, ``*.tpl``...) low-confidence findings are left out.
    """
    skip_low = _skips_low(path)
    return [
        _finding(hit, index + 1, hit.start + 1)
        for index, hit in _scan(text, rules)
        if not (skip_low and hit.confidence == "low")
    ]


# --- files: notebooks, Kubernetes Secrets, Dockerfiles ----------------------------------------------

_MAX_NOTEBOOK = 50_000_000  # characters; larger notebooks are scanned as plain text
_MAX_MANIFEST = 2_000_000  # characters of YAML parsed to find Secret manifests
_MAX_ENCODED = 65_536  # characters of one base64 value decoded
_MAX_DECODED_LINES = 2_000


_Origin = tuple[int, int, int | None, str | None]  # see _View


@dataclass(frozen=True, slots=True)
class _View:
    """What to scan in place of a file's text, line by line, and for each line where it comes
    from in the file: (line number, column shift, fixed column, JSON prefix). A hit at offset
    ``start`` of a view line is reported at the fixed column when there is one; else at column
    ``shift + start + 1``; or, for text decoded from a JSON string (prefix not None), at the
    column it has in the string as written, escapes included: ``shift`` is then the column of
    the string's opening quote and ``prefix`` the decoded text of the string before the line."""

    lines: tuple[str, ...]
    origin: tuple[_Origin, ...]
    dedupe: bool = False  # several view lines read the same file line: one finding per secret there

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def position(self, index: int, start: int) -> tuple[int, int]:
        line, shift, fixed, prefix = self.origin[index]
        if fixed is not None:
            return line, fixed
        if prefix is None:
            return line, shift + start + 1
        return line, shift + len(json.dumps(prefix + self.lines[index][:start], ensure_ascii=False))


def scan_file(path: str, text: str, *, rules: Sequence[SecretRule] | None = None) -> list[SecretFinding]:
    """Every secret in the file ``path`` whose content is ``text``, sorted by (line, column).

    Like ``scan_text``, and by file type: in a Jupyter notebook (``.ipynb``) the JSON strings of
    cell sources and outputs are decoded before scanning (``api_key = \\"...\\"`` reads as code)
    and image outputs are skipped; in a Kubernetes Secret manifest the base64 values of ``data``
    are decoded and scanned as the value of their key; in a Dockerfile ``ENV NAME value`` reads as
    ``NAME=value``. Lines and columns are those of the file as it is. Input that does not parse
    (malformed JSON or YAML, binary base64 values) is scanned as plain text.
    """
    view = _view_for(path, text)
    if view is None:
        return scan_text(text, rules=rules, path=path)
    skip_low = _skips_low(path)
    findings: list[SecretFinding] = []
    seen: set[tuple[int, str]] = set()
    for index, hit in _scan(view.text, rules):
        if skip_low and hit.confidence == "low":
            continue
        line, column = view.position(index, hit.start)
        finding = _finding(hit, line, column)
        if view.dedupe:
            if (line, finding.fingerprint) in seen:
                continue
            seen.add((line, finding.fingerprint))
        findings.append(finding)
    findings.sort(key=lambda f: (f.line, f.column))
    return findings


def _view_for(path: str, text: str) -> _View | None:
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    try:
        if name.endswith(".ipynb"):
            return _notebook_view(text)
        if name in ("dockerfile", "containerfile") or name.startswith("dockerfile.") or name.endswith(".dockerfile"):
            return _dockerfile_view(text)
        if name.endswith((".yaml", ".yml", ".json")) and "Secret" in text and _K8S_SECRET.search(text):
            return _k8s_view(text)
    except Exception:  # noqa: BLE001 - malformed input of any kind is scanned as plain text
        return None
    return None


def _plain_origin(count: int) -> list[_Origin]:
    return [(n, 0, None, None) for n in range(1, count + 1)]


# Notebooks: JSON, one string per line as Jupyter writes them: `"text",` in a list, or `"key": "text",`.
_JSON_STRING_LINE = re.compile(r'[ \t]{0,256}(?:"(?P<key>[^"\\]{0,200})"[ \t]{0,8}:[ \t]{0,8})?(?=")')
_BINARY_MIME = re.compile(r"(?:image|audio|video)/|application/(?:pdf|octet-stream|zip)")


def _notebook_view(text: str) -> _View | None:
    if len(text) > _MAX_NOTEBOOK:
        return None
    raw = text.splitlines()
    lines: list[str] = []
    origin: list[_Origin] = []
    decoder = json.JSONDecoder()
    decoded = 0
    for number, line in enumerate(raw, start=1):
        match = _JSON_STRING_LINE.match(line)
        key = match["key"] if match is not None else None
        if key is not None and _BINARY_MIME.match(key):  # image outputs and attachments: base64, no secret
            lines.append("")
            origin.append((number, 0, None, None))
            continue
        value = _json_string(decoder, line, match.end()) if match is not None and "\\" in line else None
        if match is None or value is None:
            lines.append(line)
            origin.append((number, 0, None, None))
            continue
        decoded += 1
        before = ""
        for part in value.splitlines(keepends=True) or [""]:
            lines.append(part.splitlines()[0] if part.splitlines() else "")
            origin.append((number, match.end(), None, before))
            before += part
    if decoded == 0 and len(raw) <= 2:
        return _minified_notebook_view(text, raw)
    return _View(tuple(lines), tuple(origin))


def _json_string(decoder: json.JSONDecoder, line: str, at: int) -> str | None:
    """The JSON string starting at ``at`` when it is the last thing on the line (but a comma)."""
    try:
        value, end = decoder.raw_decode(line, at)
    except ValueError:
        return None
    if not isinstance(value, str) or line[end:].strip() not in ("", ","):
        return None
    return value


def _minified_notebook_view(text: str, raw: list[str]) -> _View | None:
    """A notebook written without line breaks: its cell texts, all reported on its line 1."""
    notebook = json.loads(text)
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return None
    lines = list(raw)
    origin = _plain_origin(len(raw))
    for text_value in _cell_texts(cells):
        for part in text_value.splitlines()[:_MAX_DECODED_LINES]:
            lines.append(part)
            origin.append((1, 0, 1, None))
    return _View(tuple(lines), tuple(origin), dedupe=True)


def _cell_texts(cells: list[Any]) -> Iterator[str]:
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        yield from _joined(cell.get("source"))
        outputs = cell.get("outputs")
        for output in outputs if isinstance(outputs, list) else ():
            if not isinstance(output, dict):
                continue
            yield from _joined(output.get("text"))
            data = output.get("data")
            if isinstance(data, dict):
                for mime, value in data.items():
                    if isinstance(mime, str) and not _BINARY_MIME.match(mime):
                        yield from _joined(value)


def _joined(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        yield "".join(value)


# Kubernetes Secrets: `kind: Secret` in YAML or JSON.
_K8S_SECRET = re.compile(r"""["']?kind["']?[ \t]{0,8}:[ \t]{0,8}["']?Secret(?![\w-])""")
_YAML_ODD_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e]")  # line breaks for splitlines() but not for YAML


def _k8s_view(text: str) -> _View | None:
    """The manifest's lines, with each base64 ``data`` entry of a Secret replaced by its decoded
    value, read as the value of its key (``password: "..."``) and reported at the entry's line."""
    if len(text) > _MAX_MANIFEST or _YAML_ODD_BREAKS.search(text):
        return None
    raw = text.splitlines()
    lines = list(raw)
    origin = _plain_origin(len(raw))
    for document in yaml.compose_all(text, Loader=yaml.SafeLoader):
        for key, value in _secret_data(document, depth=0):
            decoded = _base64_text(str(value.value))
            row = key.start_mark.line
            if decoded is None or row >= len(raw):
                continue
            if _entry_alone(raw[row], key, value):
                lines[row] = ""  # the encoded value is not scanned as well
            column = value.start_mark.column + 1 if value.start_mark.line == row else key.start_mark.column + 1
            for part in _entry_lines(str(key.value), decoded):
                lines.append(part)
                origin.append((row + 1, 0, column, None))
    if len(lines) == len(raw):
        return None
    return _View(tuple(lines), tuple(origin))


def _secret_data(node: yaml.Node | None, *, depth: int) -> Iterator[tuple[yaml.ScalarNode, yaml.ScalarNode]]:
    """(key, value) nodes of the ``data`` of a Secret, or of the Secrets of a ``kind: List``."""
    if not isinstance(node, yaml.MappingNode) or depth > 1:
        return
    fields = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    kind = fields.get("kind")
    kind_name = kind.value if isinstance(kind, yaml.ScalarNode) else None
    items = fields.get("items")
    if kind_name == "List" and isinstance(items, yaml.SequenceNode):
        for item in items.value:
            yield from _secret_data(item, depth=depth + 1)
        return
    data = fields.get("data")
    if kind_name != "Secret" or not isinstance(data, yaml.MappingNode):
        return
    for key, value in data.value:
        if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode):
            yield key, value


def _base64_text(value: str) -> str | None:
    """The text a base64 value encodes, or None: not base64, too long, or binary."""
    compact = "".join(value.split())
    if not 4 <= len(compact) <= _MAX_ENCODED:
        return None
    try:
        decoded = base64.b64decode(compact, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    if not decoded.strip() or any(ord(ch) < 32 and ch not in "\t\n\r" for ch in decoded):
        return None
    return decoded


def _entry_alone(line: str, key: yaml.ScalarNode, value: yaml.ScalarNode) -> bool:
    """Does the line hold this data entry and nothing else (block style, not a flow mapping)?"""
    if value.end_mark.line != key.start_mark.line:
        return False
    before, after = line[: key.start_mark.column], line[value.end_mark.column :]
    return not before.strip(" \t\"'") and not after.strip(" \t\"',")


def _entry_lines(key: str, decoded: str) -> list[str]:
    parts = decoded.splitlines()
    if len(parts) > 1:
        return parts[:_MAX_DECODED_LINES]
    name = " ".join(key.split())
    value = parts[0]
    quote = '"' if '"' not in value else "'" if "'" not in value else ""
    return [f"{name}: {quote}{value}{quote}"]


# Dockerfiles: the legacy `ENV NAME value` form, rewritten in place as `ENV NAME=value`.
_DOCKER_ENV = re.compile(r"(?i)([ \t]{0,16}(?:ENV|ARG)[ \t]{1,16}[A-Za-z_][A-Za-z0-9_.-]{0,255})([ \t]{1,16})(?=[^\s=])")


def _docker_assignment(line: str, match: re.Match[str]) -> str:
    """``ENV NAME value`` as ``ENV NAME=value``: the same length, so the same columns."""
    return match[1] + "=" + match[2][1:] + line[match.end() :]


def _dockerfile_view(text: str) -> _View | None:
    raw = text.splitlines()
    lines = list(raw)
    changed = False
    for i, line in enumerate(raw):
        match = _DOCKER_ENV.match(line)
        if match is not None:
            lines[i] = _docker_assignment(line, match)
            changed = True
    return _View(tuple(lines), tuple(_plain_origin(len(raw)))) if changed else None


# --- redaction of evidence ------------------------------------------------------------------------

# A `key: base64` line, as in the data of a Kubernetes Secret.
_BASE64_ENTRY = re.compile(
    r"""[ \t]{0,64}["']?(?P<key>[\w.-]{1,253})["']?[ \t]{0,8}:[ \t]{0,8}["']?(?P<value>[A-Za-z0-9+/]{12,65536}={0,2})["']?[ \t]{0,8},?[ \t]{0,8}$"""
)


def redact_line(line: str, rules: Sequence[SecretRule] | None = None) -> str:
    """``line`` with every secret the scanner could find in it replaced by its redacted form.

    Judged on the line alone, so more is redacted than ``scan_text`` reports: secrets whose rule
    needs another finding or some text elsewhere in the file, and those a validator rejected.
    Lines read as ``scan_file`` reads them: ``ENV NAME value`` as an assignment, and the base64
    value of a ``key: value`` line is replaced when the text it encodes holds a secret.
    """
    plan = _plan_for(rules)
    if not plan.rules:
        return line
    # Evidence repeats the same lines and notes many times over: each is judged once per rule set.
    key = (id(plan), line)
    held = _REDACTED.get(key)
    if held is not None and held[0] is plan:
        return held[1]
    safe = "".join(_redact_one(part, plan, rules) for part in line.splitlines(keepends=True))
    if len(_REDACTED) >= _MAX_REDACTED:
        _REDACTED.clear()
    _REDACTED[key] = (plan, safe)
    return safe


# redact_line's answers, by (plan identity, line); each entry holds its plan, so the id cannot be
# reused while the entry lives. Bounded: cleared when full.
_REDACTED: dict[tuple[int, str], tuple[_Plan, str]] = {}
_MAX_REDACTED = 50_000


def _redact_one(part: str, plan: _Plan, rules: Sequence[SecretRule] | None) -> str:
    body = part.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
    docker = _DOCKER_ENV.match(body)
    read = _docker_assignment(body, docker) if docker is not None else body  # same length: same spans
    spans = [(h.start, h.end, redact(h.secret)) for h in _resolve(_candidates(read, plan, plan.rules_for(read.lower())))]
    entry = _BASE64_ENTRY.match(body) if not spans else None
    if entry is not None:
        decoded = _base64_text(entry["value"])
        hits = _scan("\n".join(_entry_lines(entry["key"], decoded)), rules) if decoded is not None else []
        if hits:
            spans.append((entry.start("value"), entry.end("value"), redact(hits[0][1].secret)))
    pieces: list[str] = []
    done = 0
    for start, end, shown in spans:
        pieces += [body[done:start], shown]
        done = end
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

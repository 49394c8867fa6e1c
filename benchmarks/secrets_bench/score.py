"""Line-level scoring of a secret scanner's findings against the corpus labels.

A finding is ``(path, line, rule)``; paths are POSIX paths relative to the corpus root.

* A label is found (TP) when some finding is on its line; for a multi-line credential (a PEM
  block) any line of its span counts, from the line that opens the value (``KEY: |``, the
  start of a triple-quoted string) to the END armour. Several findings on one label count once.
* A finding line that is on no label and no ``ignore`` line is one FP, however many rules hit it.
* A label nobody found is a FN.

Per rule, each distinct line the rule reported is a TP line (inside a label) or an FP line.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str


@dataclass
class Score:
    tp: int
    fp: int
    fn: int
    recall_by_kind: dict[str, tuple[int, int]]  # kind -> (found, labeled)
    by_rule: dict[str, tuple[int, int]]  # rule -> (TP lines, FP lines)
    fp_by_negative: dict[str, int]  # negative kind (or "unlabeled") -> FP lines
    fp_lines: list[tuple[str, int, tuple[str, ...], str]] = field(default_factory=list)  # path, line, rules, kind
    missed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(findings: Iterable[Finding], labels: dict[str, Any]) -> Score:
    positives: list[dict[str, Any]] = labels["positives"]
    label_at: dict[tuple[str, int], int] = {}
    for index, label in enumerate(positives):
        for line in range(label.get("start_line", label["line"]), label.get("end_line", label["line"]) + 1):
            label_at[(label["path"], line)] = index
    ignored = {(entry["path"], entry["line"]) for entry in labels.get("ignore", ())}
    negative_at = {(entry["path"], entry["line"]): entry["kind"] for entry in labels.get("negatives", ())}

    rules_at: dict[tuple[str, int], set[str]] = defaultdict(set)
    for finding in findings:
        rules_at[(finding.path, finding.line)].add(finding.rule)

    found: set[int] = set()
    by_rule_tp: Counter[str] = Counter()
    by_rule_fp: Counter[str] = Counter()
    fp_by_negative: Counter[str] = Counter()
    fp_lines: list[tuple[str, int, tuple[str, ...], str]] = []
    for key in sorted(rules_at):
        hit_rules = rules_at[key]
        if key in ignored:
            continue
        label_index = label_at.get(key)
        if label_index is not None:
            found.add(label_index)
            by_rule_tp.update(hit_rules)
            continue
        by_rule_fp.update(hit_rules)
        negative_kind = negative_at.get(key, "unlabeled")
        fp_by_negative[negative_kind] += 1
        fp_lines.append((key[0], key[1], tuple(sorted(hit_rules)), negative_kind))

    recall_by_kind: dict[str, tuple[int, int]] = {}
    labeled = Counter(label["kind"] for label in positives)
    hits = Counter(positives[i]["kind"] for i in found)
    for kind in sorted(labeled):
        recall_by_kind[kind] = (hits[kind], labeled[kind])
    all_rules = sorted(set(by_rule_tp) | set(by_rule_fp))
    return Score(
        tp=len(found), fp=len(fp_lines), fn=len(positives) - len(found),
        recall_by_kind=recall_by_kind,
        by_rule={rule: (by_rule_tp[rule], by_rule_fp[rule]) for rule in all_rules},
        fp_by_negative=dict(fp_by_negative),
        fp_lines=fp_lines,
        missed=[label for i, label in enumerate(positives) if i not in found],
    )


_TOKENISH = re.compile(r"[A-Za-z0-9+/=_\-.]{8,}")


def redact_value(value: str) -> str:
    """The first 4 characters of ``value`` and an ellipsis."""
    return value[:4] + "…" if len(value) > 4 else value


def redact_text(text: str, width: int = 100) -> str:
    """``text`` with every token-like run of 8+ characters cut to its first 4 characters."""
    return _TOKENISH.sub(lambda m: redact_value(m.group(0)), text.strip())[:width]

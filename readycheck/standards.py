"""External standards the checks map to: their entries, titles, display names and URLs.

A check spec names the entries it serves under `standards:` (see `CheckSpec.standards`); this
table gives each entry its title so `checks list --framework` and `checks explain` can show it.

Sources:

- OWASP Top 10 for LLM Applications 2025, https://genai.owasp.org/llm-top-10/ (entry titles as
  published).
- AWS Well-Architected Generative AI Lens, https://docs.aws.amazon.com/wellarchitected/latest/
  generative-ai-lens/generative-ai-lens.html: one id per best-practice question. The security,
  reliability, performance-efficiency and cost-optimization titles are the lens's focus-area
  titles (the pillar pages' "Focus areas" lists); the operational-excellence titles are
  shortened from the questions (GENOPS01 "How do you achieve and verify consistent model output
  quality?" and so on). The sustainability questions (GENSUS01-03) are left out: no check serves
  them.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Framework", "FRAMEWORKS", "STANDARDS", "framework"]


class Framework(NamedTuple):
    key: str
    name: str
    url: str


FRAMEWORKS: dict[str, Framework] = {
    "owasp-llm": Framework(
        "owasp-llm", "OWASP Top 10 for LLM Applications (2025)", "https://genai.owasp.org/llm-top-10/"
    ),
    "aws-genai-lens": Framework(
        "aws-genai-lens",
        "AWS Well-Architected Generative AI Lens",
        "https://docs.aws.amazon.com/wellarchitected/latest/generative-ai-lens/generative-ai-lens.html",
    ),
}

STANDARDS: dict[str, dict[str, str]] = {
    "owasp-llm": {
        "LLM01": "Prompt Injection",
        "LLM02": "Sensitive Information Disclosure",
        "LLM03": "Supply Chain",
        "LLM04": "Data and Model Poisoning",
        "LLM05": "Improper Output Handling",
        "LLM06": "Excessive Agency",
        "LLM07": "System Prompt Leakage",
        "LLM08": "Vector and Embedding Weaknesses",
        "LLM09": "Misinformation",
        "LLM10": "Unbounded Consumption",
    },
    "aws-genai-lens": {
        # Operational excellence
        "GENOPS01": "Achieve and verify consistent model output quality",
        "GENOPS02": "Monitor and manage operational health",
        "GENOPS03": "Maintain traceability for models, prompts and assets",
        "GENOPS04": "Automate lifecycle management",
        "GENOPS05": "Determine when to customize models",
        # Security
        "GENSEC01": "Endpoint security",
        "GENSEC02": "Response validation",
        "GENSEC03": "Event monitoring",
        "GENSEC04": "Prompt security",
        "GENSEC05": "Excessive agency",
        "GENSEC06": "Data poisoning",
        # Reliability
        "GENREL01": "Manage throughput quotas",
        "GENREL02": "Network reliability",
        "GENREL03": "Prompt remediation and recovery actions",
        "GENREL04": "Prompt management",
        "GENREL05": "Distributed availability",
        "GENREL06": "Distributed compute tasks",
        # Performance efficiency
        "GENPERF01": "Establish performance evaluation processes",
        "GENPERF02": "Maintain model performance",
        "GENPERF03": "Optimize high-performance compute",
        "GENPERF04": "Vector store optimization",
        # Cost optimization
        "GENCOST01": "Model selection and cost optimization",
        "GENCOST02": "Generative AI pricing model",
        "GENCOST03": "Cost-aware prompting",
        "GENCOST04": "Cost-informed vector stores",
        "GENCOST05": "Cost-informed agents",
    },
}


def framework(key: str) -> Framework:
    """The framework named `key`; ValueError listing the known ones when there is none."""
    try:
        return FRAMEWORKS[key]
    except KeyError:
        raise ValueError(f"unknown framework {key!r}; known: {', '.join(FRAMEWORKS)}") from None

"""One file of the target, with lazily parsed, cached views. Reading and parsing happen at most once."""

from __future__ import annotations

import codecs
import os
from array import array
from functools import cached_property
from itertools import accumulate
from typing import TYPE_CHECKING

from readycheck.parsers.markdown import Heading, parse_headings
from readycheck.parsers.structured import ParseError, StructuredDoc, YamlFile, load_json_doc, load_toml_doc, parse_yaml_file

if TYPE_CHECKING:
    from readycheck.parsers.js_facts import JsFacts
    from readycheck.parsers.python_facts import PythonFacts
    from readycheck.parsers.terraform import TfFile

__all__ = ["SourceFile", "classify", "MINIFIED_LINE"]

# Minified or generated code (bundles, one-line builds): nobody writes an agent's logic there, and
# walking its syntax tree costs seconds per megabyte. Such files are read as text (the secret scan
# still reads them) but not parsed as code.
MINIFIED_LINE = 1_000  # average characters per line
_MINIFIED_MIN_SIZE = 20_000
_LINE_ENDS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")  # where str.splitlines() splits

_EXT_KIND = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".yaml": "yaml", ".yml": "yaml",
    ".json": "json", ".jsonc": "json",
    ".toml": "toml",
    ".md": "markdown", ".markdown": "markdown", ".mdx": "markdown", ".rst": "text", ".txt": "text",
    ".tf": "terraform", ".tfvars": "terraform", ".hcl": "terraform",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell",
    ".ipynb": "notebook",
    ".ini": "ini", ".cfg": "ini", ".conf": "ini",
}
_NAME_KIND = {
    "dockerfile": "dockerfile", "containerfile": "dockerfile",
    "makefile": "makefile", "procfile": "text", "codeowners": "text",
}


def classify(rel: str) -> str:
    lower = rel.rpartition("/")[2].lower()
    if lower in _NAME_KIND:
        return _NAME_KIND[lower]
    if lower.startswith("dockerfile") or lower.endswith(".dockerfile"):
        return "dockerfile"
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return "env"
    return _EXT_KIND.get(os.path.splitext(lower)[1], "other")


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace")


class SourceFile:
    """A text file the index kept. Views are computed on first use and cached on the object."""

    __slots__ = ("path", "abspath", "size", "kind", "_text", "__dict__")

    def __init__(self, path: str, abspath: str, size: int, kind: str | None = None, text: str | None = None) -> None:
        self.path = path  # relative to the target, forward slashes
        self.abspath = abspath
        self.size = size
        self.kind = kind or classify(path)
        self._text = text
        self.parse_errors: list[str] = []

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r}, kind={self.kind!r})"

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    @property
    def text(self) -> str:
        if self._text is None:
            try:
                with open(self.abspath, "rb") as fh:
                    data = fh.read(self.size + 1)
            except OSError as exc:
                self.parse_errors.append(f"unreadable: {exc.strerror or exc}")
                data = b""
            self._text = _decode(data)
        return self._text

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def _line_starts(self) -> array[int]:
        """Where each line starts in the text (and where the last one ends), as ``lines`` splits
        them: 4 bytes a line, where the list of line strings costs about 60."""
        return array("I", accumulate(map(len, self.text.splitlines(keepends=True)), initial=0))

    def line(self, number: int | None) -> str:
        """Line ``number`` (1-based) as in ``lines``, or "" past either end. Reading one line
        does not build ``lines``: most files are only ever asked for a few lines of evidence."""
        if number is None or number < 1:
            return ""
        if "lines" in self.__dict__:
            lines = self.__dict__["lines"]
            return lines[number - 1] if number <= len(lines) else ""
        starts = self._line_starts
        if number >= len(starts):
            return ""
        text = self.text[starts[number - 1] : starts[number]]
        if text.endswith("\r\n"):
            return text[:-2]
        return text[:-1] if text and text[-1] in _LINE_ENDS else text

    def snippet(self, number: int | None, width: int = 160) -> str:
        s = self.line(number).strip()
        return s if len(s) <= width else s[: width - 1] + "…"

    # --- code ----------------------------------------------------------------------------------
    @cached_property
    def minified(self) -> str | None:
        """Why this code file is read as text only (minified or generated), or None."""
        text = self.text
        if len(text) < _MINIFIED_MIN_SIZE:
            return None
        average = len(text) // (text.count("\n") + 1)
        if average <= MINIFIED_LINE:
            return None
        return f"minified or generated (lines average {average:,} characters): read as text, not parsed as code"

    def adopt(self, view: str, product: PythonFacts | JsFacts | TfFile | YamlFile) -> None:
        """Take `product` (from the parse cache or a worker process) as this file's `python`, `js`,
        `terraform` or (a YAML file's) `documents` view, exactly as if the view had parsed the
        file here."""
        if view in self.__dict__:
            return
        self.__dict__[view] = product.documents if isinstance(product, YamlFile) else product
        if product.error:
            self.parse_errors.append(product.error)

    @cached_property
    def python(self) -> PythonFacts | None:
        if self.kind != "python":
            return None
        from readycheck.parsers.python_facts import PythonFacts, parse_python

        facts = PythonFacts(error=self.minified) if self.minified else parse_python(self.text, self.path)
        if facts.error:
            self.parse_errors.append(facts.error)
        return facts

    @cached_property
    def js(self) -> JsFacts | None:
        if self.kind not in ("javascript", "typescript"):
            return None
        from readycheck.parsers.js_facts import JsFacts, parse_js

        facts = JsFacts(error=self.minified) if self.minified else parse_js(self.text, self.path)
        if facts.error:
            self.parse_errors.append(facts.error)
        return facts

    @property
    def holds_terraform_blocks(self) -> bool:
        """A .tf/.hcl file: blocks. A .tfvars file holds values only and is not parsed as blocks."""
        return self.kind == "terraform" and not self.path.endswith(".tfvars")

    @cached_property
    def terraform(self) -> TfFile | None:
        if not self.holds_terraform_blocks:
            return None
        from readycheck.parsers.terraform import parse_terraform

        tf = parse_terraform(self.text)
        if tf.error:
            self.parse_errors.append(tf.error)
        return tf

    # --- data ----------------------------------------------------------------------------------
    @cached_property
    def documents(self) -> list[StructuredDoc]:
        """Parsed YAML (every document), JSON or TOML; empty when the file is not data or is invalid."""
        if self.kind == "yaml":
            parsed = parse_yaml_file(self.text)
            if parsed.error:
                self.parse_errors.append(parsed.error)
            return parsed.documents
        try:
            if self.kind == "json":
                return [load_json_doc(self.text)]
            if self.kind == "toml":
                return [load_toml_doc(self.text)]
            if self.kind == "notebook":
                return [load_json_doc(self.text)]
        except ParseError as exc:
            self.parse_errors.append(str(exc))
        return []

    @cached_property
    def headings(self) -> list[Heading]:
        if self.kind not in ("markdown", "text"):
            return []
        return parse_headings(self.text)

"""Plain coercion of command-line values, for the start-up time of every run.

typer 0.29 coerces each option through a pydantic ``TypeAdapter`` that it builds on every run, and
imports pydantic to do so: 0.2-0.3 s before a pre-commit hook has done any work. readycheck's
options are strings, paths, enums of choices and lists of them, which need no validation library.
While readycheck's own command line runs (``main()``), those are converted directly; any other
annotation (numbers, path constraints, files), and any typer without this internal hook, keep
typer's own way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import typing
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional

__all__ = ["plain_converter", "plain_coercion"]


def _path_constrained(info: Any) -> bool:
    """Whether a Path option asks typer to check or transform it (exists=, resolve_path=...)."""
    if any(getattr(info, name, False) for name in ("exists", "writable", "resolve_path", "allow_dash")):
        return True
    return getattr(info, "path_type", None) is not None or getattr(info, "file_okay", True) is False or getattr(info, "dir_okay", True) is False


_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off", ""})


def _to_bool(value: Any) -> bool:
    """A flag's value (a bool already, or a string from an environment variable)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(f"{value!r} is not a valid boolean")


def plain_converter(annotation: Any, info: Any = None) -> Optional[Callable[[Any], Any]]:
    """A converter for ``str``, ``bool``, ``Path``, an ``Enum``, their ``Optional`` and ``list``
    forms; None otherwise."""
    if info is not None:
        if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
            return None
        if getattr(info, "min", None) is not None or getattr(info, "max", None) is not None:
            return None
    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return plain_converter(args[0], info) if len(args) == 1 else None
    if origin in (list, List):
        (inner,) = typing.get_args(annotation) or (None,)
        item = plain_converter(inner, info) if inner is not None else None
        if item is None:
            return None

        def each(value: Any) -> list[Any]:
            values = value if isinstance(value, (list, tuple)) else [value]
            return [item(v) for v in values]

        return each
    if annotation is str:
        return str
    if annotation is bool:
        return _to_bool
    if annotation is Path:
        if info is not None and _path_constrained(info):
            return None
        return Path
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        if info is not None and getattr(info, "case_sensitive", True) is False:
            return None  # typer matches the member whatever the case
        choices: type[enum.Enum] = annotation  # click's Choice has checked the value already

        def member(value: Any) -> enum.Enum:
            return value if isinstance(value, choices) else choices(value)

        return member
    return None


@contextlib.contextmanager
def plain_coercion() -> Iterator[bool]:
    """Within the block, typer parameters of plain types convert their values directly. Yields
    whether the hook was installed (False on a typer without it: nothing changes then)."""
    try:
        from typer import _coercion, core

        param_cls: Any = core._TyperParameter
        base: Any = _coercion.RuntimeParam
        from typer._click.exceptions import BadParameter as bad_parameter
        original = param_cls.get_runtime_param
    except (ImportError, AttributeError):
        yield False
        return

    @dataclasses.dataclass(frozen=True)
    class PlainRuntimeParam(base):  # type: ignore[misc]
        convert: Callable[[Any], Any]

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return self.convert(value)
            except ValueError as exc:
                raise bad_parameter(str(exc), ctx=ctx, param=param) from None

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            desc = self.type_descriptor
            convert = None if desc.file_annotation is not None else plain_converter(desc.annotation, desc.parameter_info)
            if convert is None:
                return original(self)
            self._runtime_param = PlainRuntimeParam(parameter_info=desc.parameter_info, annotation=desc.annotation, convert=convert)
        return self._runtime_param

    param_cls.get_runtime_param = get_runtime_param
    try:
        yield True
    finally:
        param_cls.get_runtime_param = original

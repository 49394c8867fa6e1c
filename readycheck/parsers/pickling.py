"""Fast pickling for the parse products' frozen, slotted dataclasses.

Parse products come back from the parsing processes and out of the parse cache pickled, hundreds
of thousands of small objects per large repository. The ``__setstate__`` that ``dataclasses`` gives
a frozen slotted class looks the class's fields up again for every object it restores: that was
70% of the time of loading a warm cache. The methods made here are written out for each class
once, as ``dataclasses`` writes ``__init__``: the state is the tuple of the field values, read
with one ``attrgetter`` call and restored through the slots' own descriptors, which go around
the frozen class's ``__setattr__`` without looking a name up per field.

Restoring also shares strings. The same names ("openai.OpenAI().chat.completions.create",
"model", "timeout") recur in thousands of files, and pickle shares a string only within one
entry, so every entry loaded would bring its own copies. Fields typed ``str`` or ``str | None``
are interned: 219 -> 201 MiB for the parse products of a 21,000-file tree loaded from the cache.
(Interning the keys of the ``dict[str, ...]`` fields as well saved 5 MiB more, for 0.3 s of
rebuilding dicts: not done.)
"""

from __future__ import annotations

import dataclasses
import operator
import sys
import types
from typing import Any, Callable, TypeVar

__all__ = ["compact_pickle"]

T = TypeVar("T")


def compact_pickle(cls: type[T]) -> type[T]:
    """Pickle instances of the dataclass ``cls`` as the tuple of their field values."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    names = tuple(f.name for f in fields)
    setattr(cls, "__getstate__", _getstate(names))
    setattr(cls, "__setstate__", _setstate(cls, names, tuple(_is_str(f.type) for f in fields)))
    return cls


def _is_str(annotation: object) -> bool:
    """Whether a field's annotation is ``str`` or ``str | None`` (annotations are strings in the
    parse products' modules, which use ``from __future__ import annotations``)."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return text.replace(" ", "") in ("str", "str|None", "None|str", "Optional[str]")


def _getstate(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) > 1:
        getter = operator.attrgetter(*names)  # returns the tuple itself, in C

        def __getstate__(self: Any) -> tuple[Any, ...]:
            return getter(self)

    else:

        def __getstate__(self: Any) -> tuple[Any, ...]:
            return tuple([getattr(self, name) for name in names])

    return __getstate__


def _slot(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in vars(klass):
            found = vars(klass)[name]
            return found if isinstance(found, types.MemberDescriptorType) else None
    return None


def _setstate(cls: type, names: tuple[str, ...], interned: tuple[bool, ...] = ()) -> Callable[[Any, tuple[Any, ...]], None]:
    """``__setstate__(self, state)``: one unpacking of the state (a state of another length, from
    an older layout of the class, raises) and one slot-descriptor call per field; a string in a
    field flagged in ``interned`` is interned."""
    setters = [_slot(cls, name) for name in names]
    if not names or any(s is None for s in setters):  # not slotted as expected: the generic way
        setter = object.__setattr__

        def __setstate__(self: Any, state: tuple[Any, ...]) -> None:
            if len(state) != len(names):
                raise ValueError(f"{cls.__name__}: expected {len(names)} fields, got {len(state)}")
            for name, value in zip(names, state):
                setter(self, name, value)

        return __setstate__
    scope: dict[str, Any] = {f"_set{i}": s.__set__ for i, s in enumerate(setters)}
    scope["_intern"] = sys.intern
    values = ", ".join(f"v{i}" for i in range(len(names))) + ","
    flags = interned or (False,) * len(names)
    value = {False: "v{i}", True: "_intern(v{i}) if type(v{i}) is str else v{i}"}
    body = "".join(f"    _set{i}(self, {value[flags[i]].format(i=i)})\n" for i in range(len(names)))
    source = f"def __setstate__(self, state):\n    {values} = state\n{body}"
    exec(source, scope)  # noqa: S102 - text built above from field positions, nothing else
    made: Callable[[Any, tuple[Any, ...]], None] = scope["__setstate__"]
    made.__qualname__ = f"{cls.__qualname__}.__setstate__"
    return made

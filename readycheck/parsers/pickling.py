"""Fast pickling for the parse products' frozen, slotted dataclasses.

Parse products come back from the parsing processes and out of the parse cache pickled, hundreds
of thousands of small objects per large repository. The ``__setstate__`` that ``dataclasses`` gives
a frozen slotted class looks the class's fields up again for every object it restores: that was
70% of the time of loading a warm cache. These methods use the field names worked out once.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["compact_pickle"]

T = TypeVar("T")


def compact_pickle(cls: type[T]) -> type[T]:
    """Pickle instances of the dataclass ``cls`` as the tuple of their field values."""
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    setter = object.__setattr__

    def __getstate__(self: Any) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in names])

    def __setstate__(self: Any, state: tuple[Any, ...]) -> None:
        for name, value in zip(names, state):
            setter(self, name, value)

    setattr(cls, "__getstate__", __getstate__)
    setattr(cls, "__setstate__", __setstate__)
    return cls

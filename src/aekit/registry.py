"""Register components by name and create them from a name plus keyword options.

One ``Registry`` per kind of component (networks, bottlenecks, augmentations,
...). Later features add entries with the decorator, never by editing the trainer.
"""

from __future__ import annotations

import difflib
import inspect
from typing import Any, Callable, Generic, TypeVar

from .errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def deco(obj: Callable[..., T]) -> Callable[..., T]:
            if name in self._entries:
                raise ConfigError(f"{self.kind} {name!r} is already registered")
            self._entries[name] = obj
            return obj

        return deco

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def get(self, name: str) -> Callable[..., T]:
        try:
            return self._entries[name]
        except KeyError:
            close = difflib.get_close_matches(str(name), self._entries, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"Unknown {self.kind} {name!r}.{hint} Available: {', '.join(self.names())}."
            ) from None

    def create(self, name: str, **kwargs: Any) -> T:
        factory = self.get(name)
        params = inspect.signature(factory).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            unknown = sorted(set(kwargs) - set(params))
            if unknown:
                accepted = sorted(k for k in params if k != "self")
                hints = "".join(
                    f" Did you mean {close[0]!r} for {key!r}?"
                    for key in unknown if (close := difflib.get_close_matches(key, accepted, n=1))
                )
                raise ConfigError(
                    f"Unknown option(s) {unknown} for {self.kind} {name!r}; accepted: {accepted}.{hints}"
                )
        return factory(**kwargs)


def parse_specs(spec: str, kind: str) -> list[tuple[str, float | None]]:
    """Parse ``"name:strength,name2"`` into ``[("name", strength), ("name2", None)]``.

    The compact form used on the command line for augmentations and corruptions.
    """
    items = []
    for part in str(spec).split(","):
        part = part.strip()
        if not part:
            continue
        name, _, value = part.partition(":")
        if value:
            try:
                strength: float | None = float(value)
            except ValueError:
                raise ConfigError(
                    f"Bad {kind} spec {part!r}: the strength after ':' must be a number, e.g. 'shift:2'."
                ) from None
        else:
            strength = None
        items.append((name.strip(), strength))
    if not items:
        raise ConfigError(f"Empty {kind} spec {spec!r}; write e.g. 'shift:2'.")
    return items

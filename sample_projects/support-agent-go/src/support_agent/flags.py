"""Feature flags read from config/flags.yaml (mounted from a ConfigMap)."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from support_agent.settings import CONFIG_DIR

_CACHE_SECONDS = 30.0


class FeatureFlags:
    def __init__(self, path: Path | None = None) -> None:
        self._path = path or CONFIG_DIR / "flags.yaml"
        self._flags: dict[str, bool] = {}
        self._read_at = 0.0

    def _reload(self) -> None:
        with self._path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        self._flags = {
            name: bool(spec.get("enabled", False)) for name, spec in data.get("flags", {}).items()
        }
        self._read_at = time.monotonic()

    def is_enabled(self, name: str) -> bool:
        if time.monotonic() - self._read_at > _CACHE_SECONDS:
            self._reload()
        return self._flags.get(name, False)


flags = FeatureFlags()

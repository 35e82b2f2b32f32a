"""Loaded models by name, and hot swap when a registry alias moves.

A model source is a folder (``/models/credit`` or ``credit=/models/credit``) or a registry
reference (``credit``, ``credit@3``, ``credit@champion``). Each is loaded once, compiled to the
fast path and warmed with one all-missing row. For references that follow an alias (``NAME`` or
``NAME@ALIAS``) a background task asks the registry every ``poll_seconds`` which version the alias
names; a new version is loaded and warmed in a worker thread, then swapped in by one reference
assignment. A request holds the :class:`LoadedModel` it started with, so in-flight requests finish
on the old version and none fails or is dropped.

Shadow models (``shadows``: the same source forms, named like the served model they shadow) are
loaded, polled and swapped the same way but never answer a request: the monitor sends them a copy
of the served model's rows off the hot path (see :mod:`forgeml.monitoring`).

Example:
    >>> pool = ModelPool(["credit@champion"], metrics=ServingMetrics())   # doctest: +SKIP
    >>> pool.get("credit").version                                        # doctest: +SKIP
    '3'
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from forgeml.errors import ConfigError, NotFoundError
from forgeml.monitoring import MonitoredVersion
from forgeml.predictor import FastPredictor, Predictor, load_predictor
from forgeml.serving._codec import OutputCodec
from forgeml.serving._metrics import ServingMetrics

__all__ = ["LoadedModel", "ModelPool", "ModelSource", "parse_source"]

log = logging.getLogger("forgeml.serving")


@dataclass(frozen=True)
class ModelSource:
    """Where a served model comes from: a folder (``path``) or a registry reference (``ref``)."""

    name: str
    path: Path | None = None
    ref: str | None = None

    @property
    def follows_alias(self) -> bool:
        """True when the reference names an alias (or the default), so its version can move."""
        if self.ref is None:
            return False
        return "@" not in self.ref or not self.ref.rsplit("@", 1)[1].isdigit()


def parse_source(spec: str) -> ModelSource:
    """``NAME=PATH``, an existing folder, or a registry reference.

    Example:
        >>> parse_source("credit@champion")
        ModelSource(name='credit', path=None, ref='credit@champion')
    """
    spec = spec.strip()
    if "=" in spec:
        name, _, path = spec.partition("=")
        return ModelSource(name.strip(), path=Path(path.strip()))
    p = Path(spec)
    if p.is_dir() or "/" in spec or "\\" in spec:
        return ModelSource(p.resolve().name, path=p)
    name = spec.split("@", 1)[0]
    if not name:
        raise ConfigError(f"a model must be PATH, NAME=PATH or NAME[@VERSION|@ALIAS], got {spec!r}.")
    return ModelSource(name, ref=spec)


@dataclass(frozen=True)
class LoadedModel:
    """One loaded, compiled and warmed model version; immutable, swapped as a whole."""

    name: str
    version: str
    source: ModelSource
    predictor: Predictor
    fast: FastPredictor
    load_seconds: float

    @cached_property
    def codec(self) -> OutputCodec:
        """Labels, probabilities and response bytes for this version (built once)."""
        return OutputCodec(self.predictor, self.name, self.version)

    @cached_property
    def monitored(self) -> MonitoredVersion:
        """This version for the monitor: registry versions as numbers, folders as version 0."""
        version = int(self.version) if self.source.ref is not None else 0
        return MonitoredVersion(self.name, version, self.predictor, self.fast)

    def describe(self) -> dict[str, Any]:
        schema = self.predictor.schema
        return {
            "name": self.name,
            "version": self.version,
            "ready": True,
            "source": str(self.source.ref or self.source.path),
            "task": schema.target.task,
            "target": schema.target.name,
            "classes": [str(c) for c in self.predictor.classes] or None,
            "inputs": [{"name": c.name, "role": c.role} for c in schema.features],
            "compiled": self.fast.compiled,
        }


def _registry() -> Any:
    import forgeml.registry as registry

    return registry


def _load(source: ModelSource, version: int | None) -> tuple[Predictor, str, Path]:
    if source.path is not None:
        path = source.path
        if not path.exists():
            raise NotFoundError(f"no model at '{path}'; give a model folder or a registered NAME[@VERSION|@ALIAS].")
        return load_predictor(path), "1", path
    assert source.ref is not None
    reg = _registry()
    if version is None:
        version = int(reg.resolve_version(source.ref).version)
    path = reg.resolve_model_path(f"{source.name}@{version}")
    return load_predictor(path), str(version), path


def load_model(source: ModelSource, version: int | None = None) -> LoadedModel:
    """Load, compile and warm ``source`` (at ``version`` for registry references)."""
    start = time.perf_counter()
    predictor, ver, _ = _load(source, version)
    fast = predictor.compile()
    fast.predict_raw([dict.fromkeys(predictor.schema.feature_names)])  # warm: first-call costs happen here
    model = LoadedModel(source.name, ver, source, predictor, fast, time.perf_counter() - start)
    model.codec  # noqa: B018  (built before the swap, not on the first request)
    return model


class ModelPool:
    """The served models by name; ``get`` is a dict lookup, swaps replace one reference."""

    def __init__(
        self,
        specs: Sequence[str],
        *,
        metrics: ServingMetrics,
        poll_seconds: float = 2.0,
        loader: Callable[[ModelSource, int | None], LoadedModel] = load_model,
        shadows: Sequence[str] = (),
    ) -> None:
        if poll_seconds <= 0:
            raise ConfigError(f"'poll_seconds' must be a number > 0, got {poll_seconds!r}.")
        self.sources = [parse_source(s) for s in specs]
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigError(f"each served model needs its own name; repeated: {dupes}. Use NAME=PATH.")
        self.shadow_sources = [parse_source(s) for s in shadows]
        for shadow in self.shadow_sources:
            if shadow.name not in names:
                raise ConfigError(
                    f"shadow model '{shadow.name}' shadows no served model; served: {', '.join(names)}. "
                    "Give it the served model's name (NAME@ALIAS or NAME=FOLDER)."
                )
        shadow_names = [s.name for s in self.shadow_sources]
        twice = sorted({n for n in shadow_names if shadow_names.count(n) > 1})
        if twice:
            raise ConfigError(f"each served model takes at most one shadow; repeated: {twice}.")
        self.metrics = metrics
        self.poll_seconds = poll_seconds
        self.loader = loader
        self._models: dict[str, LoadedModel] = {}
        self._shadows: dict[str, LoadedModel] = {}
        self._lock = threading.Lock()

    # ---- reading ---------------------------------------------------------------------------------
    def get(self, name: str) -> LoadedModel:
        """The model served as ``name``; :class:`NotFoundError` lists the served names."""
        model = self._models.get(name)
        if model is None:
            raise NotFoundError(
                f"no model '{name}' is served here; served: {', '.join(sorted(self._models)) or 'none'}."
            )
        return model

    def all(self) -> list[LoadedModel]:
        return [self._models[n] for n in sorted(self._models)]

    def shadow(self, name: str) -> LoadedModel | None:
        """The shadow model of served model ``name``, if one is configured and loaded."""
        return self._shadows.get(name)

    @property
    def ready(self) -> bool:
        return len(self._models) == len(self.sources) and len(self._shadows) == len(self.shadow_sources)

    # ---- loading and swapping ----------------------------------------------------------------------
    def load_all(self) -> None:
        """Load every source (at start-up); a failure names the model and stops the server."""
        for source in self.sources:
            self._install(self.loader(source, None))
        for source in self.shadow_sources:
            self._install(self.loader(source, None), shadow=True)

    def _install(self, model: LoadedModel, *, shadow: bool = False) -> None:
        if shadow:
            previous = self._shadows.get(model.name)
            self._shadows[model.name] = model
            if previous is not None and previous.version != model.version:
                log.warning("model %s: shadow now version %s (was %s)", model.name, model.version, previous.version)
            return
        with self._lock:
            previous = self._models.get(model.name)
            self._models[model.name] = model  # the swap: one reference assignment
        self.metrics.load_duration.labels(model.name).observe(model.load_seconds)
        self.metrics.served(model.name, model.version, previous.version if previous else None)
        if previous is not None and previous.version != model.version:
            log.warning("model %s: now serving version %s (was %s)", model.name, model.version, previous.version)

    def reload(self, name: str) -> LoadedModel:
        """Load ``name`` again from its source (its alias's current version) and swap it in."""
        current = self.get(name)
        model = self.loader(current.source, None)
        self._install(model)
        return model

    def check_once(self) -> list[str]:
        """Ask the registry where each followed alias points; load and swap moved ones. Returns swapped names."""
        swapped = []
        for source, shadow in [(s, False) for s in self.sources] + [(s, True) for s in self.shadow_sources]:
            if not source.follows_alias:
                continue
            assert source.ref is not None
            try:
                version = int(_registry().resolve_version(source.ref).version)
                current = (self._shadows if shadow else self._models).get(source.name)
                if current is not None and current.version == str(version):
                    continue
                self._install(self.loader(source, version), shadow=shadow)
                swapped.append(source.name)
            except Exception as err:  # keep serving the current version; try again next poll
                log.warning("model %s: cannot follow %s: %s", source.name, source.ref, err)
        return swapped

    async def watch(self) -> None:
        """Poll forever (run as a background task; cancelled at shutdown)."""
        if not any(s.follows_alias for s in [*self.sources, *self.shadow_sources]):
            return
        while True:
            await asyncio.sleep(self.poll_seconds)
            await asyncio.to_thread(self.check_once)

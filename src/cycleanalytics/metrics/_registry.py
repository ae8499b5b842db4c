"""The catalogue of metrics: what `cycleanalytics metric NAME`, the reports, the definitions page
and the engine-parity tests iterate over.

A metric joins it with :func:`register`, declaring once its extra options, its unit and its
scope (:class:`~cycleanalytics.metrics.definitions.Scope`: what ``period`` and ``channel``
select on and what is counted). The registered function is wrapped so that every call, from
Python, the CLI or a report, goes through the same door:

- the shared filters ``period``, ``channel``, ``segment``, ``where`` and ``by`` are honoured or
  refused by name before anything is computed (``refuses``);
- ``segment`` keeps the customers of that segment (customers table) in every table the metric
  reads; ``where`` keeps the cases and complaints carrying those attribute values (a
  mapping's ``[attributes]``), and attribute names in ``by`` become ordinary columns of the
  interactions and complaints (``_sources.AttributeSource``), so each metric's own breakdown
  handles them;
- the result carries the contract of :mod:`cycleanalytics.metrics.definitions` in ``attrs``.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cycleanalytics.errors import DataWarning, MetricError
from cycleanalytics.metrics._shared import keep, kept, shared_key
from cycleanalytics.metrics.definitions import CONTRACT_KEYS, Scope, plain_value

#: Filters every metric shares; each is honoured or refused by name.
SHARED_FILTERS = ("period", "channel", "segment", "where", "by")
#: How deep in registered metrics the current call is: the data checks and the tidying are
#: done once, for the metric the user called (a metric may call others).
_DEPTH = contextvars.ContextVar("metric_depth", default=0)
#: Arguments recorded as durations (hours) in ``attrs["filters"]``.
DURATIONS = ("horizon", "window", "sla")


@dataclass(frozen=True)
class Option:
    """A metric-specific option, as the CLI offers it (``entry_within`` -> ``--entry-within``).

    ``type`` is ``int``, ``float``, ``str``, ``bool`` (a flag) or a tuple of allowed strings.
    """

    name: str
    type: Any
    help: str
    default: Any = None
    multiple: bool = False


@dataclass(frozen=True)
class MetricSpec:
    name: str
    compute: Callable[..., pd.DataFrame]
    summary: str
    options: tuple[Option, ...] = field(default_factory=tuple)
    portable: bool = True  # runs on every engine (see the parity test); say why when not
    unit: str = ""
    scopes: Mapping[str, Scope] = field(default_factory=dict)
    refuses: Mapping[str, str] = field(default_factory=dict)

    @property
    def plot(self) -> Callable[..., Any] | None:
        """The figure beside the metric: ``plot_<name>`` in the metric's own module."""
        return getattr(sys.modules[self.compute.__module__], f"plot_{self.name}", None)

    @property
    def default_basis(self) -> str:
        return next(iter(self.scopes))

    def scope(self, basis: str | None = None) -> Scope:
        """The scope of ``basis`` (the metric's ``basis`` option; default: its first)."""
        key = basis or self.default_basis
        if key not in self.scopes:
            raise MetricError(
                f"{self.name} has no basis {key!r}; choose one of: {', '.join(self.scopes)}"
            )
        return self.scopes[key]

    def definition(self, basis: str | None = None) -> dict[str, str]:
        """``attrs["definition"]`` for a result computed on ``basis``."""
        key = basis or self.default_basis
        return {
            "name": self.name,
            "summary": self.summary,
            "unit": self.unit,
            "basis": key,
            **self.scope(key).as_dict(),
        }


REGISTRY: dict[str, MetricSpec] = {}


def register(
    name: str,
    *,
    unit: str,
    scopes: Mapping[str, Scope] | Scope,
    options: tuple[Option, ...] = (),
    refuses: Mapping[str, str] | None = None,
    portable: bool = True,
) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Add a metric function to the catalogue under ``name``.

    ``scopes`` is the metric's :class:`Scope`, or several by name when its ``basis`` option
    chooses between them (the first is the default). ``refuses`` names shared filters the
    metric cannot apply, with the reason a user is given. Its docstring's first paragraph
    becomes the CLI help; its figure is ``plot_<name>`` in the same module.
    """
    scope_map = {"default": scopes} if isinstance(scopes, Scope) else dict(scopes)
    refused = dict(refuses or {})

    def decorate(func: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if name in REGISTRY:
            raise ValueError(f"metric {name!r} is registered twice")
        own = inspect.signature(func)
        # A metric whose data parameter takes a table of its own (key_drivers: a survey)
        # gets the frame as it is, not loaded as events.
        takes_frames = "DataFrame" in str(next(iter(own.parameters.values())).annotation)
        signature = _with_shared(own)

        @functools.wraps(func)
        def metric(*args: Any, **kwargs: Any) -> pd.DataFrame:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise MetricError(f"{name}: {exc}") from None
            first = _first_parameter(own)
            if first in bound.arguments and not takes_frames:  # DataFrames in: frames.py
                from cycleanalytics.frames import as_store

                bound.arguments[first] = as_store(bound.arguments[first])
            for key, why in refused.items():
                if _given(bound.arguments.get(key)):
                    raise MetricError(f"{name} does not take {key}: {why}")
            outermost = _DEPTH.get() == 0
            shared = _shared_key(name, signature, bound.arguments) if outermost else None
            found: list[str] = []
            empty = None
            if shared is not None and (hit := kept(shared)) is not None:
                for message in hit[0]:  # the warnings of the call that computed it
                    warnings.warn(message, DataWarning, stacklevel=2)
                return hit[1]
            if outermost:
                found, empty = _check(REGISTRY[name], bound.arguments)
                for message in found:  # never silenced here: the caller decides
                    warnings.warn(message, DataWarning, stacklevel=2)
            depth = _DEPTH.set(_DEPTH.get() + 1)
            try:
                call = _narrowed(own, bound.arguments)
                df = _with_attributes(func, call, call.get(_first_parameter(own)))
            except MetricError as exc:
                if empty:  # "no data" says more than the metric's own complaint (as_of...)
                    raise MetricError(empty) from None
                if str(exc).startswith("cannot break down"):
                    message = _with_attribute_names(name, str(exc), bound.arguments)
                    raise MetricError(message) from None
                raise
            finally:
                _DEPTH.reset(depth)
            bound.apply_defaults()
            df = _contract(REGISTRY[name], df, bound.arguments)
            if not outermost:
                return df
            from cycleanalytics.metrics._frames import tidy

            df = tidy(df, bound.arguments)
            keep(shared, found, df)
            return df

        metric.__signature__ = signature  # type: ignore[attr-defined]
        doc = (func.__doc__ or "").strip().split("\n\n")[0]
        REGISTRY[name] = MetricSpec(
            name, metric, " ".join(doc.split()), options, portable, unit, scope_map, refused
        )
        return metric

    return decorate


def _shared_key(
    name: str, signature: inspect.Signature, arguments: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """The key under which a call's result is shared (:mod:`._shared`): every argument with
    its default, so that ``f(store)`` and ``f(store, by=None)`` are one call."""
    empty = inspect.Parameter.empty
    full = {
        p.name: arguments.get(p.name, p.default)
        for p in signature.parameters.values()
        if p.name in arguments or p.default is not empty
    }
    return shared_key(name, full)


def _check(spec: MetricSpec, arguments: Mapping[str, Any]) -> tuple[list[str], str | None]:
    """The data checks of :func:`~cycleanalytics.metrics._sources.check_data` for one call."""
    from cycleanalytics.metrics._sources import check_data

    basis = arguments.get("basis")
    try:
        scope = spec.scope(basis if isinstance(basis, str) else None)
    except MetricError:
        return [], None  # the metric names the bad basis itself
    source = next(iter(arguments.values()), None)
    keys = scope.as_dict()
    return check_data(
        spec.name,
        keys["time_key"],
        keys["channel_key"],
        scope.population,
        source,
        dict(arguments),
    )


def _first_parameter(signature: inspect.Signature) -> str:
    return next(iter(signature.parameters))


def _with_shared(signature: inspect.Signature) -> inspect.Signature:
    """``signature`` with keyword-only ``segment=None`` and ``where=None`` after ``channel``
    (those the metric does not declare itself)."""
    params = list(signature.parameters.values())
    names = [p.name for p in params]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=kind)
        for name, kind in (("segment", "str | None"), ("where", "dict[str, Any] | None"))
        if name not in names
    ]
    at = names.index("channel") + 1 if "channel" in names else len(params)
    while at < len(params) and params[at].kind is inspect.Parameter.VAR_KEYWORD:
        at -= 1
    return signature.replace(parameters=[*params[:at], *added, *params[at:]])


def _narrowed(own: inspect.Signature, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments for the metric's own function: its source seen through the shared
    filters it does not apply itself (``segment``: the segment's customers; ``where`` and
    attributes named in ``by``: :class:`~cycleanalytics.metrics._sources.AttributeSource`)."""
    from cycleanalytics.metrics._common import as_list
    from cycleanalytics.metrics._sources import (
        attribute_breakdown,
        attribute_source,
        check_where,
        segment_source,
    )

    first = _first_parameter(own)
    call = dict(arguments)
    source = call.get(first)
    if "segment" not in own.parameters:
        segment = call.pop("segment", None)
        if _given(segment):
            source = segment_source(source, segment)
    if "where" not in own.parameters:
        where = call.pop("where", None)
        wanted = check_where(where, source) if _given(where) else {}
        by = as_list(call.get("by")) if "by" in own.parameters else []
        columns = attribute_breakdown(by, source) if by else {}
        source = attribute_source(source, columns, wanted)
    if first in call:
        call[first] = source
    return call


def _with_attributes(func: Callable[..., pd.DataFrame], call: dict[str, Any], source: Any) -> Any:
    """``func(**call)`` with the attribute source known to the breakdown helpers, for the
    metrics whose cases carry only a few columns (``_sources.attach_case_attributes``)."""
    from cycleanalytics.metrics._sources import CURRENT_ATTRIBUTES, AttributeSource

    token = CURRENT_ATTRIBUTES.set(source if isinstance(source, AttributeSource) else None)
    try:
        return func(**call)
    finally:
        CURRENT_ATTRIBUTES.reset(token)


def _with_attribute_names(metric: str, message: str, arguments: Mapping[str, Any]) -> str:
    """A breakdown error that also names the attributes present, or, when the name refused is
    an attribute, says that this metric's cases do not carry attributes (``where`` does)."""
    from cycleanalytics.metrics._common import as_list
    from cycleanalytics.metrics._sources import attribute_breakdown, attribute_keys

    source = next(iter(arguments.values()))
    try:
        keys = attribute_keys(source)
        named = list(attribute_breakdown(as_list(arguments.get("by")), source))
    except Exception:  # no store to ask: the metric's own message is the answer
        return message
    if named:
        return (
            f"{metric} cannot break down by the attribute(s) {', '.join(named)}: the cases it "
            "counts do not carry a mapping's attributes; keep some with where= instead "
            f'(e.g. where={{"{named[0].removeprefix("attr.")}": "..."}})'
        )
    listed = ", ".join(keys) if keys else "none"
    return f"{message}. Attributes (a mapping's [attributes]): {listed}"


def _given(value: Any) -> bool:
    return value is not None and value != [] and value != () and value != "" and value != {}


def _contract(spec: MetricSpec, df: pd.DataFrame, arguments: Mapping[str, Any]) -> pd.DataFrame:
    """Put the result contract (definitions module) into ``df.attrs``."""
    from cycleanalytics.metrics._common import Period, as_list, parse_duration

    filters: dict[str, Any] = {}
    for key, value in arguments.items():
        if key == "source" or key == next(iter(arguments)):
            continue
        if key == "period":
            value = Period.parse(value, as_of=arguments.get("as_of")).label()
        elif key in ("channel", "by", "segment"):
            value = as_list(value) or None
        elif key == "where":
            value = {str(k): as_list(v) for k, v in value.items()} if _given(value) else None
        elif key in DURATIONS and isinstance(value, str):
            value = parse_duration(value)
        elif key == "model" and value is not None:
            from cycleanalytics.model import resolve_model

            value = resolve_model(value).name
        filters[key] = plain_value(value)
    attrs = df.attrs
    # The scope: the metric's ``basis`` argument, or the one it names for what it was given
    # (attrs["scope"], e.g. a survey table rather than a store).
    basis = arguments.get("basis") if "basis" in arguments else attrs.pop("scope", None)
    attrs["definition"] = spec.definition(basis if isinstance(basis, str) else None)
    attrs["filters"] = filters
    attrs.setdefault("rows_excluded", {})
    attrs.setdefault("missing", {})
    attrs["as_of"] = plain_value(attrs.get("as_of"))
    attrs["confidence"] = arguments.get("confidence")
    attrs.setdefault("metric", spec.name)
    missing = [k for k in CONTRACT_KEYS if k not in attrs]
    if missing:  # a registered metric that does not say what it counted is a bug
        raise AssertionError(f"metric {spec.name} returned no {missing} in attrs")
    return df

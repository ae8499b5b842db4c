"""The customer service cycle as data: stages, their order, aliases and allowed transitions.

A :class:`CycleModel` is plain data that loads from and saves to TOML, so researchers can
write alternative models and compare them on the same journeys. The five-stage model of the
source articles ships with the package (:func:`default_model`).
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from cycleanalytics.errors import ModelError

LANGUAGES = ("en", "id", "ms")
_STAGE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def normalize_label(label: str) -> str:
    """The form in which activity labels and aliases are compared: trimmed, lower case,
    inner runs of white space collapsed to one space."""
    return " ".join(label.split()).casefold()


@dataclass(frozen=True)
class Stage:
    """One stage of the cycle.

    ``label`` is the stage's name in English; ``labels`` maps another language code (``id``,
    ``ms``) to its name in that language, for reports in that language. ``aliases`` maps a
    language code (``en``, ``id``, ``ms``) to labels that mean this stage. A conditional stage
    (service recovery) belongs only to some journeys, so the funnel leaves it out.
    """

    id: str
    label: str
    description: str = ""
    conditional: bool = False
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def label_in(self, language: str) -> str | None:
        """The stage's own name in ``language``: ``label`` in English, ``labels[language]``
        otherwise; ``None`` when the model does not name it in that language (reports then
        ask the message catalogue, see :func:`cycleanalytics.i18n.stage_label`).

        >>> stage = Stage("triage", "Triage", labels={"id": "Triase"})
        >>> stage.label_in("en"), stage.label_in("id"), stage.label_in("ms")
        ('Triage', 'Triase', None)
        """
        return self.label if language == "en" else self.labels.get(language)

    def all_aliases(self) -> tuple[str, ...]:
        """The stage id, its names (``label`` and ``labels``) and every alias, in order,
        without repeats: a log that writes a stage's name in any language means that stage."""
        seen: dict[str, None] = {}
        names = (self.id, self.label, *self.labels.values())
        for name in (*names, *(a for v in self.aliases.values() for a in v)):
            seen.setdefault(name, None)
        return tuple(seen)


@dataclass(frozen=True)
class CycleModel:
    """An ordered set of service stages with aliases and allowed transitions.

    Build one with :meth:`from_toml`, :meth:`from_dict` or :func:`default_model`; every
    constructor validates, so a ``CycleModel`` in hand is always consistent.

    Examples
    --------
    >>> model = default_model()
    >>> model.order[:2]
    ('pre_interaction', 'initial_interaction')
    >>> model.stage_of("Tindak lanjut")
    'follow_up'
    >>> model.funnel_stages[-1]
    'follow_up'
    """

    name: str
    stages: tuple[Stage, ...]
    transitions: Mapping[str, tuple[str, ...]]
    description: str = ""

    def __post_init__(self) -> None:
        self._validate()
        object.__setattr__(self, "transitions", MappingProxyType(dict(self.transitions)))

    # -- views -----------------------------------------------------------------------------
    @property
    def order(self) -> tuple[str, ...]:
        """Stage ids in cycle order."""
        return tuple(s.id for s in self.stages)

    @property
    def funnel_stages(self) -> tuple[str, ...]:
        """Stage ids every journey is expected to pass, in order (conditional ones left out)."""
        return tuple(s.id for s in self.stages if not s.conditional)

    def stage(self, stage_id: str) -> Stage:
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise ModelError(
            f"model {self.name!r} has no stage {stage_id!r}; "
            f"its stages are: {', '.join(self.order)}"
        )

    def index(self, stage_id: str) -> int:
        """1-based position of a stage in the cycle."""
        return self.order.index(self.stage(stage_id).id) + 1

    def alias_map(self) -> dict[str, str]:
        """Normalized alias -> stage id, for classifying activity labels."""
        return {normalize_label(a): s.id for s in self.stages for a in s.all_aliases()}

    def stage_of(self, activity: str | None) -> str | None:
        """The stage an activity label maps to by alias, or ``None`` when none matches."""
        if activity is None:
            return None
        return self.alias_map().get(normalize_label(activity))

    def allows(self, source: str, target: str) -> bool:
        """Whether moving from ``source`` to ``target`` follows the model (repeats always do)."""
        return source == target or target in self.transitions.get(source, ())

    # -- (de)serialisation -----------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, object], *, source: str = "<dict>") -> CycleModel:
        """Build a model from the structure of a model TOML file."""
        order = data.get("order")
        if not isinstance(order, list) or not order:
            raise ModelError(f"{source}: 'order' must be a non-empty list of stage ids")
        stage_tables = data.get("stages", {})
        if not isinstance(stage_tables, Mapping):
            raise ModelError(f"{source}: [stages] must be a table of stage tables")
        extra = set(stage_tables) - set(order)
        if extra:
            raise ModelError(
                f"{source}: stages {sorted(extra)} are described under [stages] but missing "
                f"from 'order'; add them to 'order' or remove their tables"
            )
        stages = []
        for stage_id in order:
            table = stage_tables.get(stage_id, {})
            aliases = table.get("aliases", {})
            if not isinstance(aliases, Mapping):
                raise ModelError(f"{source}: stages.{stage_id}.aliases must be a table of lists")
            label, labels = _stage_names(stage_id, table, source)
            stages.append(
                Stage(
                    id=stage_id,
                    label=label,
                    description=str(table.get("description", "")),
                    conditional=bool(table.get("conditional", False)),
                    aliases={lang: tuple(labels) for lang, labels in aliases.items()},
                    labels=labels,
                )
            )
        transitions = data.get("transitions", {})
        if not isinstance(transitions, Mapping):
            raise ModelError(f"{source}: [transitions] must map a stage id to a list of stage ids")
        try:
            return cls(
                name=str(data.get("name", "unnamed model")),
                description=str(data.get("description", "")),
                stages=tuple(stages),
                transitions={k: tuple(v) for k, v in transitions.items()},
            )
        except ModelError as exc:
            raise ModelError(f"{source}: {exc}") from None

    @classmethod
    def from_toml(cls, path: str | Path) -> CycleModel:
        """Read a model from a TOML file (see ``models/default.toml`` in the package)."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"model file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ModelError(f"{path}: not valid TOML: {exc}") from None
        return cls.from_dict(data, source=str(path))

    def to_dict(self) -> dict[str, object]:
        stages: dict[str, dict[str, object]] = {}
        for s in self.stages:
            table: dict[str, object] = {"label": s.label}
            if s.labels:
                table["labels"] = dict(s.labels)
            if s.description:
                table["description"] = s.description
            if s.conditional:
                table["conditional"] = True
            if s.aliases:
                table["aliases"] = {lang: list(v) for lang, v in s.aliases.items()}
            stages[s.id] = table
        return {
            "name": self.name,
            "description": self.description,
            "order": list(self.order),
            "stages": stages,
            "transitions": {k: list(v) for k, v in self.transitions.items()},
        }

    def to_toml(self, path: str | Path | None = None) -> str:
        """The model as TOML text; also written to ``path`` when given."""
        text = _dump_toml(self.to_dict())
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    # -- validation ------------------------------------------------------------------------
    def _validate(self) -> None:
        if not self.stages:
            raise ModelError("the model has an empty stage order; list at least one stage")
        ids = [s.id for s in self.stages]
        for stage_id in ids:
            if not _STAGE_ID.match(stage_id):
                raise ModelError(
                    f"stage id {stage_id!r} is not valid; use lower case letters, digits and _"
                )
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ModelError(f"stage ids appear more than once in the order: {dupes}")
        if all(s.conditional for s in self.stages):
            raise ModelError("every stage is conditional; at least one stage must be required")
        known = set(ids)
        for source, targets in self.transitions.items():
            for stage_id in (source, *targets):
                if stage_id not in known:
                    raise ModelError(
                        f"transition {source} -> {list(targets)} names unknown stage "
                        f"{stage_id!r}; known stages: {', '.join(ids)}"
                    )
        for s in self.stages:
            unknown_langs = set(s.aliases) - set(LANGUAGES)
            if unknown_langs:
                raise ModelError(
                    f"stage {s.id!r} has aliases for unknown language(s) {sorted(unknown_langs)}; "
                    f"use {', '.join(LANGUAGES)}"
                )
            _check_names(s)
        owner: dict[str, str] = {}
        for s in self.stages:
            for alias in s.all_aliases():
                key = normalize_label(alias)
                if not key:
                    raise ModelError(f"stage {s.id!r} has an empty alias")
                if owner.setdefault(key, s.id) != s.id:
                    raise ModelError(
                        f"alias {alias!r} is claimed by both {owner[key]!r} and {s.id!r}; "
                        f"an activity label must map to one stage only"
                    )


@functools.cache  # read once: the file ships with the package and the model is frozen
def default_model() -> CycleModel:
    """The five-stage service cycle of the source articles, as shipped with the package."""
    text = resources.files("cycleanalytics").joinpath("models/default.toml").read_text("utf-8")
    return CycleModel.from_dict(tomllib.loads(text), source="default model")


def resolve_model(model: CycleModel | str | Path | None) -> CycleModel:
    """Accept a model, a path to a model TOML file, or ``None`` for the default."""
    if model is None:
        return default_model()
    if isinstance(model, CycleModel):
        return model
    return CycleModel.from_toml(model)


def _stage_names(
    stage_id: str, table: Mapping[str, object], source: str
) -> tuple[str, dict[str, str]]:
    """A stage table's English ``label`` (default: the id made readable) and its ``labels``
    in other languages. ``labels.en`` may stand for ``label``; given both, they must agree."""
    labels = table.get("labels", {})
    if not isinstance(labels, Mapping) or not all(isinstance(v, str) for v in labels.values()):
        raise ModelError(
            f"{source}: stages.{stage_id}.labels must be a table of language = name, "
            f'e.g. labels.id = "Triase"'
        )
    labels = dict(labels)
    english = labels.pop("en", None)
    label = table.get("label", english)
    if label is not None and not isinstance(label, str):
        raise ModelError(f'{source}: stages.{stage_id}.label must be text, e.g. label = "Triage"')
    if english is not None and label != english:
        raise ModelError(
            f"{source}: stage {stage_id!r} has label {label!r} and labels.en {english!r}; "
            f"give its English name once"
        )
    return (label if label is not None else stage_id.replace("_", " ").capitalize()), labels


def _check_names(stage: Stage) -> None:
    """A stage's names: not blank, and only in the languages reports are written in."""
    unknown = sorted(set(stage.labels) - set(LANGUAGES))
    if unknown:
        raise ModelError(
            f"stage {stage.id!r} has labels for unknown language(s) {unknown}; "
            f"the languages supported are {', '.join(LANGUAGES)}"
        )
    if not stage.label.strip():
        raise ModelError(f"stage {stage.id!r} has an empty label; give it a name")
    for language, name in stage.labels.items():
        if not name.strip():
            raise ModelError(
                f"stage {stage.id!r} has an empty label in {language!r} (labels.{language}); "
                f"give it a name, or leave labels.{language} out"
            )
    if "en" in stage.labels and stage.labels["en"] != stage.label:
        raise ModelError(
            f"stage {stage.id!r} has label {stage.label!r} and labels.en "
            f"{stage.labels['en']!r}; give its English name once"
        )


# TOML writing: the model is a small, known structure, so a dedicated writer is clearer than
# another dependency. Strings use JSON escaping, which is valid TOML basic-string syntax.
def _dump_toml(data: Mapping[str, object]) -> str:
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, object]]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for name, table in tables:
        _dump_table(name, table, lines)
    return "\n".join(lines) + "\n"


def _dump_table(name: str, table: Mapping[str, object], lines: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    nested = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    if scalars or not nested:
        lines.extend(["", f"[{name}]"])
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars.items())
    for key, sub in nested.items():
        _dump_table(f"{name}.{_key(key)}", sub, lines)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Iterable):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")

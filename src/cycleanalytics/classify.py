"""Complaint text into areas (DESIGN §6), offline, in English, Indonesian and Malay.

A complaint without a recorded area (``category``) but with a text gets a *predicted* area,
the model's probability for it and the detected language. Below a probability threshold the
model abstains and the prediction is ``"unclassified"``. Predictions live in their own table,
``complaint_predictions``, so a recorded category is never overwritten; each run replaces the
stored predictions in one transaction.

The model is the honest baseline: TF-IDF over character n-grams (2-5, within words) and word
n-grams (1-2), and a multinomial logistic regression (scikit-learn). The language (``en``,
``id``, ``ms``) comes from a second logistic regression over character (1-4) and word n-grams,
trained on the same labelled sentences. Nothing is downloaded: the **seed model** is trained,
deterministically and in well under a second, from the labelled set that ships with the
package (``data/complaint_areas_seed.csv``: 540 short complaints written for this project, 30
per area and language). Users train on their own labels (:func:`train_classifier`), save the
result (:meth:`AreaClassifier.save`) and get the complaints the model is least sure of
(:func:`uncertain_complaints`) to label next.

A saved model is a JSON file holding its labelled examples and settings, not a pickle: loading
it retrains the same model (no code runs from the file, and it does not depend on the
scikit-learn version that wrote it). Like the labels, it holds complaint texts: personal data.

scikit-learn is imported on first use, so ``import cycleanalytics`` and the command line do
not pay for it.

Examples
--------
>>> import cycleanalytics as ca
>>> model = seed_classifier()
>>> row = model.predict(["The toilets were filthy and the floor was sticky."]).iloc[0]
>>> row["area"], row["language"]
('image', 'en')
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cycleanalytics.errors import LoadError, MetricError, ParameterError, StoreError
from cycleanalytics.schema import COMPLAINT_PREDICTIONS

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from cycleanalytics.metrics import Period
    from cycleanalytics.store import Store

#: The complaint areas (DESIGN §1, seed 001), in the order reports list them.
AREAS = ("communication", "customer_psychology", "complaint_handling", "image", "product", "other")
#: The languages the seed set is written in, and the only ones the language model knows.
LANGUAGES = ("en", "id", "ms")
#: What a prediction says when the model abstains.
UNCLASSIFIED = "unclassified"
#: Abstain when the top probability is below this. On the seed set's cross-validation it keeps
#: about half the complaints and gets about seven in ten of those right (docs/classify.md).
DEFAULT_THRESHOLD = 0.4

SEED_FILE = "complaint_areas_seed.csv"
MODEL_FORMAT = "cycleanalytics-area-model"
MODEL_VERSION = 1

# Settings of the two linear models; part of the model id, so a change makes a new id.
_SETTINGS: dict[str, Any] = {
    "areas": {
        "char_ngrams": [2, 5],
        "word_ngrams": [1, 2],
        "sublinear_tf": True,
        "C": 10.0,
        "max_iter": 3000,
    },
    "language": {
        "char_ngrams": [1, 4],
        "word_ngrams": [1, 1],
        "sublinear_tf": True,
        "C": 30.0,
        "max_iter": 3000,
    },
}


# -- labelled examples ---------------------------------------------------------------------


def seed_labels() -> pd.DataFrame:
    """The labelled seed set that ships with the package: ``text``, ``area``, ``language``
    and ``scenario`` (translations and close variants of one complaint share a scenario, so
    cross-validation keeps them in the same fold).

    The sentences were written for this project, 30 per area in each of English, Indonesian
    and Malay; they are not real complaints.

    >>> labels = seed_labels()
    >>> len(labels), sorted(labels["language"].unique())
    (540, ['en', 'id', 'ms'])
    """
    return read_labels(Path(__file__).resolve().parent / "data" / SEED_FILE)


def read_labels(path: str | Path) -> pd.DataFrame:
    """Labelled complaints from a CSV file with the columns ``text`` and ``area`` (an area of
    :data:`AREAS`), optionally ``language`` (``en``, ``id``, ``ms``) and ``scenario`` (rows
    that must stay together in cross-validation, e.g. translations). Rows with a blank area
    are skipped, so a queue file (:func:`uncertain_complaints`) partly filled in is a labels
    file; other columns are ignored.

    Raises
    ------
    LoadError
        When the file lacks a column, names an unknown area or language, or has a blank text.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise LoadError(f"labels file {path} not found; give a CSV with columns text and area")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LoadError(f"cannot read labels file {path} as UTF-8 CSV: {exc}") from None
    return check_labels(frame, source=str(path))


def check_labels(frame: pd.DataFrame, *, source: str = "labels") -> pd.DataFrame:
    """A clean copy of labelled examples (``text``, ``area``, ``language`` or empty,
    ``scenario`` or empty), or a :class:`~cycleanalytics.errors.LoadError` naming the first
    problem and its line (the header is line 1)."""
    columns = {c.strip().lower(): c for c in frame.columns}
    missing = [c for c in ("text", "area") if c not in columns]
    if missing:
        raise LoadError(
            f"{source} has no column {', '.join(missing)}; columns are: "
            f"{', '.join(map(str, frame.columns))}; a labels file needs text and area "
            "(language and scenario are optional)"
        )
    out = frame.rename(columns={v: k for k, v in columns.items()})
    for optional in ("language", "scenario"):
        if optional not in out.columns:
            out[optional] = ""
    out = out[["text", "area", "language", "scenario"]].fillna("").astype(str)
    out = out.apply(lambda column: column.str.strip())
    out["area"] = out["area"].str.lower()
    out["language"] = out["language"].str.lower()
    out.index = range(2, len(out) + 2)  # line numbers, the header being line 1
    out = out[out["area"] != ""]  # not labelled (yet): a queue file half filled in is usable
    if out.empty:
        raise LoadError(f"{source} has no labelled rows: fill in the area column")
    for i, row in zip(out.index, out.itertuples(index=False), strict=True):
        if not row.text:
            raise LoadError(f"{source}, line {i}: the text is blank")
        if row.area not in AREAS:
            raise LoadError(
                f"{source}, line {i}: unknown area {row.area!r}; areas are: {', '.join(AREAS)}"
            )
        if row.language and row.language not in LANGUAGES:
            raise LoadError(
                f"{source}, line {i}: unknown language {row.language!r}; languages are: "
                f"{', '.join(LANGUAGES)} (or leave it blank)"
            )
    if out["area"].nunique() < 2:
        raise LoadError(f"{source} labels fewer than two areas; a classifier needs at least two")
    return out.reset_index(drop=True)


# -- the model -------------------------------------------------------------------------------


def _pipeline(kind: str) -> Any:
    """The TF-IDF (character and word n-grams) and logistic-regression pipeline of ``kind``
    (``"areas"`` or ``"language"``), with its settings from :data:`_SETTINGS`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    s = _SETTINGS[kind]
    return make_pipeline(
        make_union(
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=tuple(s["char_ngrams"]),
                sublinear_tf=s["sublinear_tf"],
            ),
            TfidfVectorizer(
                analyzer="word",
                ngram_range=tuple(s["word_ngrams"]),
                sublinear_tf=s["sublinear_tf"],
            ),
        ),
        LogisticRegression(C=s["C"], max_iter=s["max_iter"]),
    )


def _one_thread() -> Any:
    """Fit and predict on one BLAS thread: the models are small, and many threads on a shared
    machine made a fit ten times slower, not faster."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


@dataclass(frozen=True)
class AreaClassifier:
    """A trained complaint-area classifier: the area model, the language model, the threshold
    below which it abstains, and the labelled examples it was trained on.

    Make one with :func:`train_classifier`, :func:`seed_classifier` or
    :func:`load_classifier`.
    """

    model_id: str
    threshold: float
    labels: pd.DataFrame = field(repr=False)
    area_model: Any = field(repr=False)
    language_model: Any = field(repr=False)

    @property
    def areas(self) -> tuple[str, ...]:
        """The areas the model can predict (those its labels use)."""
        return tuple(str(a) for a in self.area_model.classes_)

    def predict(self, texts: Iterable[str], *, threshold: float | None = None) -> pd.DataFrame:
        """One row per text: ``area`` (``"unclassified"`` below the threshold),
        ``probability`` of the most likely area, ``best_area`` and ``second_area`` with
        ``second_probability`` (what the model hesitates between), ``margin`` (best minus
        second) and ``language``.

        >>> table = seed_classifier().predict(["Saya tidak berpuas hati, aduan saya tidak "
        ...     "dilayan sudah dua minggu."])
        >>> table.loc[0, "language"]
        'ms'
        """
        import numpy as np
        import pandas as pd

        cut = self.threshold if threshold is None else check_threshold(threshold)
        texts = [str(t) for t in texts]
        columns = [
            "area",
            "probability",
            "best_area",
            "second_area",
            "second_probability",
            "margin",
            "language",
        ]
        if not texts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        with _one_thread():
            proba = self.area_model.predict_proba(texts)
            language = self.language_model.predict(texts)
        classes = np.asarray(self.area_model.classes_, dtype=object)
        order = np.argsort(-proba, axis=1, kind="stable")
        rows = np.arange(len(texts))
        best, second = order[:, 0], order[:, 1]
        p1, p2 = proba[rows, best], proba[rows, second]
        return pd.DataFrame(
            {
                "area": np.where(p1 >= cut, classes[best], UNCLASSIFIED),
                "probability": p1,
                "best_area": classes[best],
                "second_area": classes[second],
                "second_probability": p2,
                "margin": p1 - p2,
                "language": language.astype(object),
            }
        )

    def save(self, path: str | Path) -> Path:
        """Write the model to ``path`` as JSON: its labelled examples, settings, threshold and
        id. :func:`load_classifier` retrains the same model from it. The file holds complaint
        texts: keep it where the labels are kept."""
        path = Path(path)
        payload = {
            "format": MODEL_FORMAT,
            "version": MODEL_VERSION,
            "model_id": self.model_id,
            "threshold": self.threshold,
            "settings": _SETTINGS,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "labels": self.labels[["text", "area", "language", "scenario"]].to_dict("records"),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        return path


def check_threshold(threshold: float) -> float:
    """``threshold`` as a float in [0, 1], else a :class:`ParameterError`."""
    value = float(threshold)
    if not 0.0 <= value <= 1.0:
        raise ParameterError(f"the threshold is a probability between 0 and 1, not {threshold}")
    return value


def _model_id(labels: pd.DataFrame, name: str) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(_SETTINGS, sort_keys=True).encode())
    for row in labels[["text", "area", "language"]].itertuples(index=False):
        digest.update("\x1f".join(row).encode("utf-8") + b"\x1e")
    return f"{name}-{digest.hexdigest()[:12]}"


def train_classifier(
    labels: pd.DataFrame | str | Path | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    name: str | None = None,
) -> AreaClassifier:
    """Train a classifier on labelled complaints (a labels CSV, a DataFrame with ``text`` and
    ``area``, or ``None`` for the seed set). Deterministic: the same labels give the same
    model and the same ``model_id``.

    The language model learns from the seed set and from the rows of ``labels`` that name
    their language, so a set of labels in one language still gets the three languages told
    apart.

    >>> model = train_classifier()
    >>> model.model_id == seed_classifier().model_id, model.areas[:2]
    (True, ('communication', 'complaint_handling'))
    """
    import pandas as pd

    if labels is None:
        frame, name = seed_labels(), name or "seed"
    elif isinstance(labels, pd.DataFrame):
        frame, name = check_labels(labels), name or "custom"
    else:
        frame, name = read_labels(labels), name or Path(labels).stem
    threshold = check_threshold(threshold)
    seed = frame if name == "seed" else pd.concat([seed_labels(), frame], ignore_index=True)
    known = seed[seed["language"].isin(LANGUAGES)]
    with _one_thread():
        areas = _pipeline("areas").fit(frame["text"].tolist(), frame["area"].tolist())
        language = _pipeline("language").fit(known["text"].tolist(), known["language"].tolist())
    return AreaClassifier(
        model_id=_model_id(frame, name),
        threshold=threshold,
        labels=frame,
        area_model=areas,
        language_model=language,
    )


@lru_cache(maxsize=1)
def seed_classifier() -> AreaClassifier:
    """The shipped seed model, trained from :func:`seed_labels` on first use and kept in
    memory. Needs no network: the labels are package data."""
    return train_classifier()


def load_classifier(path: str | Path) -> AreaClassifier:
    """A model saved by :meth:`AreaClassifier.save`, retrained from the examples it holds.

    Raises
    ------
    LoadError
        When the file is not such a model, or is of a newer format.
    """
    import pandas as pd

    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LoadError(f"model file {path} not found; make one with `classify train`") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LoadError(f"{path} is not a cycleanalytics model file (JSON): {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise LoadError(
            f"{path} is not a cycleanalytics model file; make one with `classify train`"
        )
    if payload.get("version") != MODEL_VERSION:
        raise LoadError(
            f"{path} is a model of format version {payload.get('version')}; this cycleanalytics "
            f"reads version {MODEL_VERSION}: train it again with `classify train`"
        )
    labels = check_labels(pd.DataFrame(payload.get("labels") or []), source=str(path))
    # The id is recomputed: the same examples give the saved id again, unless this version of
    # cycleanalytics trains with other settings (then the model is another one, and says so).
    name = str(payload.get("model_id", "custom")).rsplit("-", 1)[0]
    threshold = float(payload.get("threshold", DEFAULT_THRESHOLD))
    return train_classifier(labels, threshold=threshold, name=name)


def resolve_classifier(model: AreaClassifier | str | Path | None) -> AreaClassifier:
    """A classifier from what the API accepts: one, a saved model's path, or None (seed)."""
    if model is None:
        return seed_classifier()
    if isinstance(model, AreaClassifier):
        return model
    return load_classifier(model)


# -- evaluation -------------------------------------------------------------------------------


def evaluate_classifier(
    labels: pd.DataFrame | str | Path | None = None,
    *,
    folds: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
    random_state: int = 0,
) -> pd.DataFrame:
    """Cross-validated quality of the area model on labelled complaints (the seed set by
    default): every example is predicted by a model trained on the other folds only.

    Folds are stratified by area and, when the labels have a ``scenario`` column, grouped by
    it (translations of one complaint never sit on both sides; a row with a blank scenario is
    a group of its own). Rows without a language get
    the one the seed language model detects.

    Returns one row per language and one ``all`` row: ``examples``, ``macro_f1`` (over the
    areas that language's labels use), ``accuracy``, ``language_accuracy`` (detected
    language = labelled language, where labelled), and at ``threshold``: ``coverage`` (share
    not abstained) and ``accuracy_kept`` (accuracy on those). ``attrs`` hold the confusion
    matrix (``confusion``), per-area F1 (``per_area``) and the settings.

    >>> table = evaluate_classifier(folds=3)
    >>> list(table["language"])
    ['en', 'id', 'ms', 'all']
    """
    import numpy as np
    import pandas as pd
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if labels is None:
        frame = seed_labels()
    elif isinstance(labels, pd.DataFrame):
        frame = check_labels(labels)
    else:
        frame = read_labels(labels)
    threshold = check_threshold(threshold)
    smallest = int(frame["area"].value_counts().min())
    if folds < 2:
        raise ParameterError(f"cross-validation needs at least 2 folds, not {folds}")
    if smallest < folds:
        raise MetricError(
            f"the smallest area has {smallest} examples, fewer than the {folds} folds; label "
            f"more examples of it or use --folds {max(2, smallest)}"
        )
    texts = frame["text"].tolist()
    y = frame["area"].to_numpy()
    grouped = bool(frame["scenario"].str.len().gt(0).any())
    if grouped:
        # A row without a scenario is a group of its own (e.g. your labels added to the seed).
        groups = [g or f"\x00row {i}" for i, g in enumerate(frame["scenario"])]
        splitter: Any = StratifiedGroupKFold(
            n_splits=folds, shuffle=True, random_state=random_state
        )
        splits = splitter.split(texts, y, groups=groups)
    else:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
        splits = splitter.split(texts, y)
    classes = sorted(set(y))
    labelled = frame["language"].to_numpy()
    # The language model is cross-validated too: it learns from the training folds' labelled
    # languages, and from the seed sentences that are not among these labels.
    seed = seed_labels() if labels is not None else None
    extra = (
        []
        if seed is None
        else list(seed.loc[~seed["text"].isin(texts), ["text", "language"]].itertuples(False))
    )
    proba = np.zeros((len(texts), len(classes)))
    detected = np.empty(len(texts), dtype=object)
    with _one_thread():
        for train, test in splits:
            model = clone(_pipeline("areas")).fit([texts[i] for i in train], y[train])
            index = [classes.index(c) for c in model.classes_]
            proba[np.ix_(test, index)] = model.predict_proba([texts[i] for i in test])
            known = extra + [(texts[i], labelled[i]) for i in train if labelled[i]]
            detector = clone(_pipeline("language")).fit(*zip(*known, strict=True))
            detected[test] = detector.predict([texts[i] for i in test])
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    top = proba.max(axis=1)
    language = np.where(labelled != "", labelled, detected)

    def row(name: str, mask: Any) -> dict[str, Any]:
        truth, guess, kept = y[mask], predicted[mask], top[mask] >= threshold
        with_language = mask & (labelled != "")
        return {
            "language": name,
            "examples": int(mask.sum()),
            "macro_f1": float(
                f1_score(truth, guess, labels=sorted(set(truth)), average="macro", zero_division=0)
            ),
            "accuracy": float(accuracy_score(truth, guess)),
            "language_accuracy": float((detected[with_language] == labelled[with_language]).mean())
            if with_language.any()
            else float("nan"),
            "coverage": float(kept.mean()),
            "accuracy_kept": float((truth[kept] == guess[kept]).mean()) if kept.any() else np.nan,
        }

    rows = [row(lang, language == lang) for lang in LANGUAGES if (language == lang).any()]
    rows.append(row("all", np.ones(len(texts), dtype=bool)))
    table = pd.DataFrame(rows)
    table.attrs["confusion"] = pd.DataFrame(
        confusion_matrix(y, predicted, labels=classes),
        index=pd.Index(classes, name="labelled"),
        columns=pd.Index(classes, name="predicted"),
    )
    table.attrs["per_area"] = pd.Series(
        f1_score(y, predicted, labels=classes, average=None, zero_division=0), index=classes
    )
    table.attrs["definition"] = {
        "folds": folds,
        "grouped_by_scenario": bool(grouped),
        "threshold": threshold,
        "random_state": random_state,
        "settings": _SETTINGS,
    }
    return table


# -- complaints in a store ----------------------------------------------------------------------


def _unlabelled_sql() -> str:
    return (
        "SELECT complaint_id, text FROM complaints "
        "WHERE (category IS NULL OR trim(category) = '') "
        "AND text IS NOT NULL AND trim(text) <> '' ORDER BY complaint_id"
    )


def classify_complaints(
    store: Store,
    *,
    model: AreaClassifier | str | Path | None = None,
    threshold: float | None = None,
    batch_size: int = 50_000,
) -> pd.DataFrame:
    """Predict an area for every complaint that has a text but no recorded ``category``, and
    store the predictions in ``complaint_predictions`` (complaint_id, predicted_area,
    probability, language, model_id, threshold, predicted_at).

    The ``complaints`` table is never changed. Each run replaces all stored predictions in
    one transaction, so a complaint whose area has since been recorded loses its prediction.
    Below ``threshold`` (default: the model's, 0.4 for the seed model) the predicted area is
    ``"unclassified"``.

    Parameters
    ----------
    store
        A writable :class:`~cycleanalytics.store.Store`.
    model
        An :class:`AreaClassifier`, the path of a saved one, or None for the seed model.
    threshold
        Abstain below this top probability.

    Returns
    -------
    DataFrame
        The stored predictions, one row per complaint (no texts).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = store.con.execute(
    ...         "INSERT INTO complaints (complaint_id, customer_id, opened_at, category, text) "
    ...         "VALUES ('A', 'C1', TIMESTAMPTZ '2026-01-05 10:00:00+00', NULL, "
    ...         "'The parcel arrived with the screen cracked.'), "
    ...         "('B', 'C2', TIMESTAMPTZ '2026-01-06 10:00:00+00', 'image', 'Dirty toilets.')")
    ...     table = ca.classify_complaints(store)
    >>> list(table["complaint_id"]), list(table["predicted_area"])
    (['A'], ['product'])
    """
    import pandas as pd

    if getattr(store, "read_only", False):
        raise StoreError("classifying writes predictions: open the database for writing")
    classifier = resolve_classifier(model)
    cut = classifier.threshold if threshold is None else check_threshold(threshold)
    now = datetime.now(UTC)
    con = store.con
    parts = []
    reader = con.execute(_unlabelled_sql())
    while True:
        chunk = reader.fetchmany(batch_size)
        if not chunk:
            break
        ids = [r[0] for r in chunk]
        predicted = classifier.predict([r[1] for r in chunk], threshold=cut)
        parts.append(
            pd.DataFrame(
                {
                    "complaint_id": ids,
                    "predicted_area": predicted["area"].to_numpy(),
                    "probability": predicted["probability"].to_numpy(dtype=float),
                    "language": predicted["language"].to_numpy(),
                    "model_id": classifier.model_id,
                    "threshold": cut,
                    "predicted_at": pd.Timestamp(now),
                }
            )
        )
    columns = list(COMPLAINT_PREDICTIONS.column_names)
    table = pd.concat(parts, ignore_index=True) if parts else _empty_predictions()
    table = table[columns]
    # Registered outside the transaction: after a failed statement DuckDB refuses everything
    # but a rollback, and unregistering inside would hide the statement's own error.
    con.register("_ca_new_predictions", table)
    try:
        with store.transaction() as tx:
            tx.execute(COMPLAINT_PREDICTIONS.ddl())
            tx.execute(f"DELETE FROM {COMPLAINT_PREDICTIONS.name}")
            tx.execute(
                f"INSERT INTO {COMPLAINT_PREDICTIONS.name} ({', '.join(columns)}) "
                f"SELECT {', '.join(columns)} FROM _ca_new_predictions"
            )
    finally:
        con.unregister("_ca_new_predictions")
    table.attrs["model_id"] = classifier.model_id
    table.attrs["threshold"] = cut
    return table


def _empty_predictions() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "complaint_id": pd.Series(dtype=object),
            "predicted_area": pd.Series(dtype=object),
            "probability": pd.Series(dtype=float),
            "language": pd.Series(dtype=object),
            "model_id": pd.Series(dtype=object),
            "threshold": pd.Series(dtype=float),
            "predicted_at": pd.Series(dtype="datetime64[us, UTC]"),
        }
    )


def classification_summary(predictions: pd.DataFrame, store: Store) -> pd.DataFrame:
    """Counts behind a :func:`classify_complaints` run, for the command line: complaints by
    predicted area (``unclassified`` included) and language, with the share of those
    classified. ``attrs`` say how many complaints kept their recorded area and how many had
    neither an area nor a text."""

    from cycleanalytics.store import first_row

    counts = (
        predictions.groupby(["predicted_area", "language"], dropna=False)
        .size()
        .rename("complaints")
        .reset_index()
    )
    total = len(predictions)
    counts["share"] = counts["complaints"] / total if total else float("nan")
    rank = {a: i for i, a in enumerate((*AREAS, UNCLASSIFIED))}
    counts["_rank"] = counts["predicted_area"].map(rank)
    counts = counts.sort_values(["_rank", "language"]).drop(columns="_rank")
    counts = counts.reset_index(drop=True)
    recorded, no_text = first_row(
        store.con,
        "SELECT count(*) FILTER (WHERE category IS NOT NULL AND trim(category) <> ''), "
        "count(*) FILTER (WHERE (category IS NULL OR trim(category) = '') "
        "AND (text IS NULL OR trim(text) = '')) FROM complaints",
    )
    counts.attrs.update(
        classified=total,
        unclassified=int((predictions["predicted_area"] == UNCLASSIFIED).sum()),
        recorded=int(recorded),
        without_text=int(no_text),
        model_id=predictions.attrs.get("model_id"),
        threshold=predictions.attrs.get("threshold"),
    )
    return counts


def uncertain_complaints(
    store: Store,
    *,
    n: int = 20,
    model: AreaClassifier | str | Path | None = None,
) -> pd.DataFrame:
    """The ``n`` complaints without a recorded area that the model is least sure of: lowest
    top probability first (ties: smallest margin to the second area, then complaint id).
    Labelling these next teaches the model most.

    For analysts only: the table holds the complaint ``text`` (personal data), so it belongs
    in a labelling file, never in a manager report.

    Columns: ``complaint_id``, ``language``, ``best_area``, ``probability``,
    ``second_area``, ``second_probability``, ``text`` and an empty ``area`` to fill in
    (the file is then a labels file for ``classify train``).
    """
    import pandas as pd

    if n < 1:
        raise ParameterError(f"the queue length must be at least 1, not {n}")
    classifier = resolve_classifier(model)
    rows = store.con.execute(_unlabelled_sql()).fetchall()
    ids = [r[0] for r in rows]
    texts = [r[1] for r in rows]
    predicted = classifier.predict(texts)
    table = pd.DataFrame(
        {
            "complaint_id": ids,
            "language": predicted["language"],
            "best_area": predicted["best_area"],
            "probability": predicted["probability"].astype(float),
            "second_area": predicted["second_area"],
            "second_probability": predicted["second_probability"].astype(float),
            "margin": predicted["margin"].astype(float),
            "text": texts,
        }
    )
    table = table.sort_values(["probability", "margin", "complaint_id"], kind="stable").head(n)
    table = table.drop(columns="margin").reset_index(drop=True)
    table["area"] = ""
    table.attrs["model_id"] = classifier.model_id
    return table


# -- for the complaints report ------------------------------------------------------------------


def _predictions_table(source: Any) -> ir.Table | None:
    """The stored predictions of a DuckDB store (or a segment view of one), else None."""
    from cycleanalytics.store import Store, first_row

    store = getattr(source, "store", source)
    if not isinstance(store, Store):
        return None
    found = first_row(
        store.con,
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
        [COMPLAINT_PREDICTIONS.name],
    )[0]
    return store.ibis.table(COMPLAINT_PREDICTIONS.name) if found else None


def area_sources(
    source: Store | Any,
    *,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Where each complaint's area comes from: recorded, predicted, or unclassified (the model
    abstained), by area, for the complaints opened in ``period`` (and through ``channel``).

    One row per area (the six of :data:`AREAS`, then any other recorded value) with the
    ``recorded`` and ``predicted`` counts and their sum ``complaints``, and a last row
    ``unclassified`` (predictions that abstained). ``attrs`` hold the totals
    (``complaints``, ``recorded``, ``predicted``, ``unclassified``, and ``not_classified``:
    neither recorded nor predicted, for want of a text or of a `classify` run since) and
    ``models`` (ids of the models the predictions came from). Predictions are read from a
    DuckDB store (or a segment view of one); other sources have none.

    Never any complaint text.
    """
    import ibis
    import pandas as pd

    from cycleanalytics.metrics import Period
    from cycleanalytics.metrics._common import as_list

    complaints = source.table("complaints")
    period = Period.parse(period)
    if not period.is_open:
        complaints = complaints.filter(period.contains(complaints.opened_at))
    channels = as_list(channel)
    if channels:
        complaints = complaints.filter(complaints.channel.isin(channels))
    predictions = _predictions_table(source)
    if predictions is not None:
        p = predictions.select(
            p_id=predictions.complaint_id,
            p_area=predictions.predicted_area,
            p_model=predictions.model_id,
        )
        joined = complaints.left_join(p, complaints.complaint_id == p.p_id)
        from_model, model = joined.p_area, joined.p_model
    else:
        joined = complaints
        from_model, model = ibis.null("string"), ibis.null("string")
    recorded = joined.category.notnull() & (joined.category.strip() != "")
    kind = ibis.cases(
        (recorded, "recorded"),
        (from_model.notnull(), "predicted"),
        else_="not classified",
    )
    area = ibis.cases((recorded, joined.category.strip()), else_=from_model)
    counts = (
        joined.mutate(kind=kind, area=area, model=ibis.cases((recorded, None), else_=model))
        .group_by(["kind", "area", "model"])
        .aggregate(n=ibis._.count())
        .execute()
    )
    totals = counts.groupby("kind")["n"].sum()
    models = sorted({str(m) for m in counts["model"].dropna()})
    counted = counts[counts["kind"] != "not classified"]
    rows = []
    seen = set(counted["area"].dropna())
    for name in [*AREAS, *sorted(seen - {*AREAS, UNCLASSIFIED}), UNCLASSIFIED]:
        if name not in seen and name not in AREAS:
            continue
        mine = counted[counted["area"] == name]
        by_kind = mine.groupby("kind")["n"].sum()
        rows.append(
            {
                "area": name,
                "recorded": int(by_kind.get("recorded", 0)),
                "predicted": int(by_kind.get("predicted", 0)),
            }
        )
    table = pd.DataFrame(rows, columns=["area", "recorded", "predicted"])
    table["complaints"] = table["recorded"] + table["predicted"]
    unclassified = int(table.loc[table["area"] == UNCLASSIFIED, "predicted"].sum())
    table.attrs.update(
        complaints=int(counts["n"].sum()),
        recorded=int(totals.get("recorded", 0)),
        predicted=int(totals.get("predicted", 0)) - unclassified,
        unclassified=unclassified,
        not_classified=int(totals.get("not classified", 0)),
        models=models,
    )
    return table


def _command_hint() -> str:
    return "cycleanalytics classify run --db <database>"


def predicted_areas_takeaway(table: pd.DataFrame, language: str = "en") -> str:
    """One sentence on where the areas of an :func:`area_sources` table come from, in
    ``language``: recorded, predicted (marked so) and unclassified, as counts and shares; or
    how to get predictions when there are none.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"area": ["product"], "recorded": [6], "predicted": [3]})
    >>> table.attrs.update(complaints=10, recorded=6, predicted=3, unclassified=1,
    ...                    not_classified=0)
    >>> print(predicted_areas_takeaway(table))  # doctest: +NORMALIZE_WHITESPACE
    Of the 10 complaints, 6 (60%) have a recorded area, 3 (30%) a predicted area and 1 (10%)
    are unclassified (the model was not sure enough).
    """
    from cycleanalytics.i18n import fmt_number, fmt_share, nt, t

    a = table.attrs
    total = int(a.get("complaints", 0))
    if total == 0:
        return t("compl.say.none", language)

    def part(n: int) -> str:
        return f"{fmt_number(n, language)} ({fmt_share(n / total, language, decimals=0)})"

    if a["predicted"] == 0 and a["unclassified"] == 0:
        if a["not_classified"] == 0:
            return nt("compl.predicted.all_recorded", total, language)
        return nt(
            "compl.predicted.none",
            int(a["not_classified"]),
            language,
            n=fmt_number(a["not_classified"], language),
            total=fmt_number(total, language),
            command=_command_hint(),
        )
    text = t(
        "compl.predicted.say",
        language,
        total=fmt_number(total, language),
        recorded=part(a["recorded"]),
        predicted=part(a["predicted"]),
        unclassified=part(a["unclassified"]),
    )
    if a["not_classified"]:
        rest = int(a["not_classified"])
        text += nt("compl.predicted.rest", rest, language, n=part(rest))
    return text


def predicted_areas_table(table: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """An :func:`area_sources` table in words: area, recorded, predicted (marked as the
    model's), all. Never any complaint text."""
    import pandas as pd

    from cycleanalytics.i18n import fmt_number, t
    from cycleanalytics.notebook import group_text

    return pd.DataFrame(
        {
            t("col.area", language): [group_text(a, language) for a in table["area"]],
            t("compl.col.recorded", language): [fmt_number(n, language) for n in table["recorded"]],
            t("compl.col.predicted", language): [
                fmt_number(n, language) for n in table["predicted"]
            ],
            t("compl.col.all", language): [fmt_number(n, language) for n in table["complaints"]],
        }
    )


def show_predicted_areas(table: pd.DataFrame, language: str = "en") -> None:
    """The complaints report's section body: the takeaway sentence, and when there are
    predictions, the table of recorded and predicted areas and the models they came from."""
    from cycleanalytics.i18n import t
    from cycleanalytics.notebook import show_table, show_text

    show_text(predicted_areas_takeaway(table, language), kind="takeaway")
    if table.attrs.get("predicted") or table.attrs.get("unclassified"):
        show_table(predicted_areas_table(table, language))
        models = ", ".join(table.attrs.get("models") or [])
        show_text(t("compl.predicted.model", language, models=models))

"""Commands about complaint areas from text: `classify run`, `evaluate`, `train`, `queue`."""

from __future__ import annotations

from pathlib import Path

import click

from cycleanalytics.cli import main
from cycleanalytics.cli._common import (
    CycleGroup,
    db_option,
    echo,
    err,
    format_option,
    print_frame,
    say,
)

area_model_option = click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False, path_type=Path, exists=True),
    default=None,
    help="A model file written by `classify train` (default: the seed model).",
)
threshold_option = click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=None,
    help="Abstain ('unclassified') below this probability (default: the model's, 0.4).",
)
labels_option = click.option(
    "--labels",
    "labels_path",
    type=click.Path(dir_okay=False, path_type=Path, exists=True),
    default=None,
    help="A labels CSV with columns text and area (optional: language, scenario).",
)


def _refuse_foreign_model(out: Path) -> None:
    """`train` replaces a model file it wrote, never another file."""
    import json

    from cycleanalytics.classify import MODEL_FORMAT
    from cycleanalytics.errors import ParameterError

    if not out.exists() and not out.is_symlink():
        return
    try:
        ours = json.loads(out.read_text(encoding="utf-8")).get("format") == MODEL_FORMAT
    except (OSError, ValueError, AttributeError):
        ours = False
    if out.is_symlink() or not ours:
        raise ParameterError(
            f"{out} already exists and is not an area model; nothing was overwritten. Choose "
            "a new file name with --out"
        )


@main.group(cls=CycleGroup)
def classify() -> None:
    """Complaint areas from complaint text (English, Indonesian, Malay), offline.

    `run` fills a predicted area for complaints without one; `evaluate` measures the model;
    `train` makes a model from your labels; `queue` lists complaints to label next.
    """


@classify.command("run")
@db_option()
@area_model_option
@threshold_option
@format_option
def classify_run(db: Path, model_path: Path | None, threshold: float | None, fmt: str) -> None:
    """Predict an area for every complaint with a text and no recorded category.

    Predictions go to the table complaint_predictions (the recorded category is never
    changed); each run replaces the earlier predictions. Below the threshold the complaint is
    'unclassified'. Prints how many complaints got each area, by detected language.
    """
    from cycleanalytics.classify import classification_summary, classify_complaints
    from cycleanalytics.store import Store

    with Store(db) as store:
        predictions = classify_complaints(store, model=model_path, threshold=threshold)
        summary = classification_summary(predictions, store)
    a = summary.attrs
    title = (
        f"{a['classified']:,} complaints classified by {a['model_id']} "
        f"(threshold {a['threshold']:.2f}): {a['unclassified']:,} unclassified; "
        f"{a['recorded']:,} kept their recorded area; {a['without_text']:,} have no text"
    )
    print_frame(summary, fmt, title=title if fmt == "table" else None)
    if fmt != "table":
        say(title, to=err)


@classify.command("evaluate", short_help="Cross-validated macro-F1 per language of the model.")
@labels_option
@click.option(
    "--folds",
    type=click.IntRange(2, 20),
    default=5,
    show_default=True,
    help="Cross-validation folds.",
)
@threshold_option
@format_option
def classify_evaluate(
    labels_path: Path | None, folds: int, threshold: float | None, fmt: str
) -> None:
    """Cross-validated macro-F1 per language of the area model, on the seed set or on
    --labels: each complaint is predicted by a model that never saw it (translations of one
    complaint stay in one fold). Also: accuracy, language detection accuracy, and at the
    threshold the share classified (coverage) and the accuracy on those.
    """
    from cycleanalytics.classify import DEFAULT_THRESHOLD, evaluate_classifier

    cut = DEFAULT_THRESHOLD if threshold is None else threshold
    table = evaluate_classifier(labels_path, folds=folds, threshold=cut)
    source = str(labels_path) if labels_path else "the seed set"
    title = f"{folds}-fold cross-validation on {source}, threshold {cut:.2f}"
    print_frame(table, fmt, title=title if fmt == "table" else None)
    if fmt == "table":
        confusion = table.attrs["confusion"].reset_index()
        print_frame(confusion, fmt, title="Confusion (rows: labelled area; columns: predicted)")


@classify.command("train", short_help="Train an area model on your own labels.")
@click.option(
    "--labels",
    "labels_path",
    type=click.Path(dir_okay=False, path_type=Path, exists=True),
    required=True,
    help="A labels CSV with columns text and area (optional: language, scenario).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The model file to write (JSON; it holds the labelled texts).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=0.4,
    show_default=True,
    help="The model's abstention threshold.",
)
@click.option(
    "--folds",
    type=click.IntRange(2, 20),
    default=5,
    show_default=True,
    help="Folds of the cross-validation printed after training.",
)
def classify_train(labels_path: Path, out: Path, threshold: float, folds: int) -> None:
    """Train an area model on your own labelled complaints and write it to --out; use it
    with `classify run --model`. Prints the model's cross-validated macro-F1 per language.
    """
    from cycleanalytics.classify import evaluate_classifier, read_labels, train_classifier
    from cycleanalytics.errors import MetricError

    _refuse_foreign_model(out)
    labels = read_labels(labels_path)
    model = train_classifier(labels, threshold=threshold, name=labels_path.stem)
    model.save(out)
    areas = ", ".join(model.areas)
    echo(f"{out}: model {model.model_id}, {len(labels):,} examples, areas {areas}")
    try:
        table = evaluate_classifier(labels, folds=folds, threshold=threshold)
    except MetricError as exc:
        say(f"Not evaluated: {exc}", to=err)
        return
    print_frame(table, "table", title=f"{folds}-fold cross-validation on {labels_path}")


@classify.command("queue", short_help="Complaints the model is least sure of, to label next.")
@db_option()
@area_model_option
@click.option(
    "-n",
    "--n",
    "n",
    type=click.IntRange(1),
    default=20,
    show_default=True,
    help="How many complaints to list.",
)
@format_option
def classify_queue(db: Path, model_path: Path | None, n: int, fmt: str) -> None:
    """The complaints without a recorded area that the model is least sure of, to label next
    (lowest probability first). Holds complaint texts: for analysts, not for reports. With
    --format csv, fill in the area column and pass the file to `classify train --labels`.
    """
    from cycleanalytics.classify import uncertain_complaints
    from cycleanalytics.cli._common import read_store

    with read_store(db) as store:
        table = uncertain_complaints(store, n=n, model=model_path)
    title = f"{len(table)} least certain complaints ({table.attrs['model_id']})"
    # complaint texts: print_frame shows them as written and keeps CSV cells from formulas
    print_frame(table, fmt, title=title if fmt == "table" else None)

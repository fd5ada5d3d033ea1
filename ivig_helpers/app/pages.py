"""The HTML pages of a report: one page per executed notebook, without code, and the landing
page (their look: :mod:`ivig_helpers.app.site` and its templates)."""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path

from . import site
from .folder import REPORT_MARKER


def describe(notebooks: list[Path]) -> list:
    """What the pages say about each notebook (title, question, figures), from the notebooks
    before they run: every page links to the previous and the next one."""
    import nbformat

    return [site.describe_notebook(nbformat.read(notebook, as_version=4), notebook.stem)
            for notebook in notebooks]


def write_html(notebook: Path, pages: list, position: int, is_bundled: bool) -> None:
    """The page of an executed notebook, without code, beside it (``NN_topic.html``)."""
    import nbformat

    content = nbformat.read(notebook, as_version=4)
    html = site.notebook_page(content, pages, position, is_bundled)
    notebook.with_suffix(".html").write_text(html, encoding="utf-8")


RESULT_FILES = ("results.json", "scorecard.csv", "release.json", "disclosure_check.csv")
# The parameters the landing page shows: results.json's key (then the run's parameter) and label
RUN_PARAMETERS = (("responder_threshold", "responder_threshold", "Responder threshold"),
                  ("missing_followup_handling", "missing_followup",
                   "Children without one-year follow-up"),
                  ("alpha", "alpha", "Significance level alpha"),
                  ("min_cell_count", "min_cell_count", "min_cell_count (disclosure control)"),
                  ("seed", "seed", "Random seed"))


def write_index(report: Path, pages: list, disclosure: str, is_bundled: bool,
                 params: dict) -> None:
    """The landing page (``index.html``): the cohort file, the date and the parameters of the
    run, the disclosure mode (one sentence in Markdown), a banner for the bundled synthetic
    cohort, the headline numbers with their intervals, the scorecard's count of matches, the
    figures, one line per notebook and the result files. What it shows comes from
    ``results.json`` and ``scorecard.csv`` when the run wrote them (it always does, but a stand-in
    collection may not), otherwise from the run's own parameters."""
    from .. import narrative

    results = _read_json(report / "results.json")
    bundled = bool(results.get("bundled_synthetic_cohort", is_bundled))
    parameters = [{"setting": label, "value": _parameter_words(
        key, results.get(key, params.get(name)))} for key, name, label in RUN_PARAMETERS]
    headline = (narrative.headline_table(results).to_dict("records")
                if "responder_rate" in results else None)
    sections = {name: f"{section} ({page.title})" for page in pages
                for name, section in page.figures.items()}
    order = list(sections)  # as the notebooks show them; figures no notebook names last
    figures = []
    for png in sorted(report.glob("*.png"), key=lambda png: (
            order.index(png.stem) if png.stem in order else len(order), png.name)):
        caption = sections.get(png.stem, png.name)
        figures.append({"file": png.name, "alt": f"Figure: {caption}", "caption": caption})
    html = site.landing_page(
        pages, disclosure=disclosure, bundled=bundled,
        data_file=results.get("data_file", params.get("data_path", "")),
        date=datetime.date.today().isoformat(), parameters=parameters, headline=headline,
        scorecard=_scorecard_sentence(report / "scorecard.csv", bundled), figures=figures,
        files=[name for name in RESULT_FILES if (report / name).is_file()])
    (report / REPORT_MARKER).write_text(html, encoding="utf-8")


def _read_json(path: Path) -> dict:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return content if isinstance(content, dict) else {}


def _parameter_words(key: str, value) -> str:
    """A parameter's value as the landing page shows it.

    Examples
    --------
    >>> _parameter_words("responder_threshold", 0.75)
    '0.75: at least 75% fewer seizures (the study used 50%)'
    >>> _parameter_words("missing_followup_handling", "exclude")
    'exclude: left out of the analysis'
    >>> _parameter_words("min_cell_count", 0)
    '0 (off)'
    """
    from ..narrative import responder_definition

    if key == "responder_threshold" and isinstance(value, int | float):
        return f"{value:g}: {responder_definition(value)}"
    if key == "missing_followup_handling":
        words = {"nonresponder": "counted as non-responders",
                 "exclude": "left out of the analysis"}
        return f"{value}: {words[value]}" if value in words else str(value)
    if key == "min_cell_count" and value == 0:
        return "0 (off)"
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _scorecard_sentence(path: Path, bundled: bool) -> str:
    """"k of N published numbers matched" from ``scorecard.csv`` (its ``match`` column: True,
    False, or empty for a number withheld by disclosure control), in Markdown; "" without it."""
    from ..narrative import scorecard_story

    try:
        with path.open(newline="", encoding="utf-8") as handle:
            matches = [row.get("match", "") for row in csv.DictReader(handle)]
    except OSError:
        return ""
    matched = sum(value == "True" for value in matches)
    withheld = sum(value.strip() == "" for value in matches)
    return scorecard_story(matched, len(matches), withheld, bundled)



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


RESULT_FILES = ("report.html", "table1.csv", "results.json", "scorecard.csv", "release.json",
                "disclosure_check.csv")
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
    from .. import narrative, summary
    from ..results import load_published

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
    answer, beside, consistency = [], [], ""
    if "responder_rate" in results:
        answer = summary.bottom_line(results).split("\n")
        beside = summary.published_beside(results, load_published())
        consistency = summary.consistency_sentence(beside, bundled)
    html = site.landing_page(
        pages, disclosure=disclosure, bundled=bundled,
        data_file=results.get("data_file", params.get("data_path", "")),
        date=datetime.date.today().isoformat(), parameters=parameters, headline=headline,
        scorecard=_scorecard_sentence(report / "scorecard.csv", bundled) if bundled else "",
        figures=figures, files=[name for name in RESULT_FILES if (report / name).is_file()
                                or name == SINGLE_FILE and pages],  # written from this page
        answer=answer, beside=beside, consistency=consistency,
        citation=summary.STUDY_CITATION)
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




TABLE_ONE_FILE = "table1.csv"
SINGLE_FILE = "report.html"


def write_table_one(report: Path, release_path: Path) -> Path:
    """Table 1 of the run as released (``table1.csv``), to paste into a paper: one row per
    characteristic and level, a column per seizure type; cells as the report shows them."""
    from ..privacy import spreadsheet_safe
    from ..release import Release

    table = Release.load(release_path).table("table_one").reset_index()
    table.columns = ["characteristic", "level", *table.columns[2:]]
    table = table.map(spreadsheet_safe)
    path = report / TABLE_ONE_FILE
    table.to_csv(path, index=False, lineterminator="\n")
    return path


def write_single_file(report: Path, pages: list) -> Path:
    """The whole report in one self-contained file (``report.html``) to send as an attachment
    or print to PDF: the landing page, then every page, figures embedded, links inside.

    Each notebook page already embeds its figures; the landing page's are embedded here. Links
    between pages become links to their sections; links to other files of the folder become
    plain text (the file is meant to travel alone)."""
    import base64
    import re

    names = {f"{p.stem}.html": p.stem for p in pages}

    def body(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        match = re.search(r"<main>(.*)</main>", text, re.DOTALL)
        return match.group(1) if match else ""

    def embed(match) -> str:
        figure = report / match.group(1)
        if not figure.is_file():
            return match.group(0)
        data = base64.b64encode(figure.read_bytes()).decode("ascii")
        return f'src="data:image/png;base64,{data}"'

    def relink(match) -> str:
        target = match.group(1)
        if target in names:
            return f'href="#{names[target]}"'
        if target == REPORT_MARKER:
            return 'href="#top"'
        return f'href="#top" data-file="{site.escape(target)}"'  # a file of the folder: not here

    landing = (report / REPORT_MARKER).read_text(encoding="utf-8")
    banner = re.search(r'<p class="ivig-banner">.*?</p>', landing, re.DOTALL)  # synthetic data
    parts = [f'<section id="top">{banner.group(0) if banner else ""}{body(report / REPORT_MARKER)}'
             "</section>"]
    styles = ""
    for page in pages:
        path = report / f"{page.stem}.html"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if not styles:  # every notebook page carries the same style: keep one copy
            styles = "".join(re.findall(r"<style[^>]*>.*?</style>", text, re.DOTALL))
        # headings repeat from page to page ("What this shows"): their anchors get the page's
        # name in front, so a link inside a page still lands in that page
        part = re.sub(r'(id|href)="#?([^"]+)"', lambda m, stem=page.stem: (
            f'{m.group(1)}="{"#" if m.group(1) == "href" else ""}{stem}-{m.group(2)}"'
            if m.group(1) == "id" or m.group(0).startswith('href="#') else m.group(0)),
            body(path))
        parts.append(f'<section id="{page.stem}" class="ivig-part">{part}</section>')
    content = "\n".join(parts)
    content = re.sub(r'src="([^":]+\.png)"', embed, content)
    content = re.sub(r'href="([^"#:]+)"', relink, content)
    contents = "".join(f'<a href="#{p.stem}">{site.escape(p.title)}</a>' for p in pages
                       if (report / f"{p.stem}.html").is_file())
    html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{site.escape(site.REPORT_TITLE)} (one file)</title>\n{styles}\n"
        "<style>.ivig-part{border-top:3px solid #1f4e9c;margin-top:3em;padding-top:1em}"
        "@media print{.ivig-part{break-before:page}.ivig-nav{display:none}}</style>"
        '</head>\n<body class="jp-Notebook" data-jp-theme-light="true">\n'
        '<header class="ivig-header"><div class="ivig-title">'
        f"{site.escape(site.REPORT_TITLE)}: the whole report in one file</div>"
        f'<nav class="ivig-nav" aria-label="Report parts"><a href="#top">Summary</a>{contents}'
        f"</nav></header>\n<main>\n{content}\n</main>\n</body></html>\n")
    path = report / SINGLE_FILE
    path.write_text(html, encoding="utf-8")
    return path

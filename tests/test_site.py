"""The pages of a report, read without a browser: a title per page, the same header everywhere
with links that lead to files of the report, nothing loaded from outside the machine, figures with
alternative text, and a landing page that shows what was run and the headline numbers.

Two collection runs are read: the bundled synthetic cohort (``bundled_report``, shared with other
tests) and, once for this module, a generated cohort with disclosure control on.
"""

import base64
import datetime
import io
import json
import re
import tomllib
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from ivig_helpers import narrative
from ivig_helpers.app import folder, site
from ivig_helpers.privacy import mode_statement

from .conftest import ROOT, assert_links_stay_in_report

matplotlib.use("Agg")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGES = [notebook.with_suffix(".html").name for notebook in NOTEBOOKS]
SUFFIX = " – IVIG replication report"
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"


# controlled_report (conftest): a generated cohort of 37 children, disclosure control on,
# another threshold; made once for the test run, and read by test_story_follows_data too


@pytest.fixture(params=["bundled", "controlled"])
def report(request):
    return request.getfixturevalue(f"{request.param}_report")


def soup_of(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def first_heading(notebook):
    """The first line of the notebook's first cell, without its "# "."""
    first = nbformat.read(notebook, as_version=4).cells[0].source.splitlines()[0]
    assert first.startswith("# "), first
    return first[2:].strip()


def text_of(soup):
    return " ".join(soup.get_text(" ").split())


# --- every page --------------------------------------------------------------------------------

def test_every_page_has_its_own_title(report):
    for notebook, page in zip(NOTEBOOKS, PAGES, strict=True):
        titles = soup_of(report / page).find_all("title")
        assert [t.get_text() for t in titles] == [first_heading(notebook) + SUFFIX]
    assert soup_of(report / "index.html").title.get_text() == site.REPORT_TITLE
    assert first_heading(NOTEBOOKS[1]) + SUFFIX == \
        "2. How many children responded? – IVIG replication report"


def test_every_page_has_the_header_with_home_previous_and_next(report):
    landing = soup_of(report / "index.html").select_one("header.ivig-header")
    for position, page in enumerate(PAGES):
        header = soup_of(report / page).select_one("header.ivig-header")
        assert header.select_one(".ivig-title").get_text() == \
            landing.select_one(".ivig-title").get_text()  # the same header as the landing page
        links = {a.get("rel", ["home"])[0]: a["href"] for a in header.select("nav a")}
        expected = {"home": "index.html"}
        if position > 0:
            expected["prev"] = PAGES[position - 1]
        if position + 1 < len(PAGES):
            expected["next"] = PAGES[position + 1]
        assert links == expected, page


def test_every_link_and_image_leads_to_a_file_of_the_report(report):
    pages = {path.name: soup_of(path) for path in report.glob("*.html")}
    assert sorted(pages) == sorted(["index.html", "report.html", *PAGES])
    assert_links_stay_in_report(report, pages)  # also what the browser sees: test_html_in_browser


def test_no_page_loads_anything_from_outside_the_machine(report):
    for path in report.glob("*.html"):
        soup = soup_of(path)
        for element in soup.find_all(["script", "link", "img", "iframe", "source", "audio",
                                      "video", "embed", "object"]):
            for attribute in ("src", "href", "data"):
                value = element.get(attribute, "")
                assert not re.match(r"\s*(https?:)?//", value), f"{path.name}: {value[:100]}"
        assert not soup.find("script", src=True), path.name  # every script is inline
        for style in soup.find_all("style"):
            css = style.get_text()
            assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", css), path.name
            assert "@import" not in css, path.name
        html = path.read_text(encoding="utf-8")
        for cdn in ("cdnjs", "require.js", "require.min.js", "mathjax", "mermaid", "unpkg"):
            assert cdn not in html.lower(), f"{path.name} mentions {cdn}"


def test_figures_are_embedded_with_alternative_text(report):
    for path in (report / page for page in PAGES):
        html = path.read_text(encoding="utf-8")
        assert NBCONVERT_DEFAULT_ALT not in html
        for image in soup_of(path).find_all("img"):
            assert image["src"].startswith("data:image/png;base64,"), path.name
            assert image["alt"].startswith("Figure: ") and len(image["alt"]) > 10, path.name
    waterfall = soup_of(report / "02_responders.html").find_all("img")[0]
    assert waterfall["alt"] == "Figure: How much each child changed: the waterfall plot"


def test_the_report_style_reaches_every_page_and_the_study_claims(report):
    for path in (report / page for page in PAGES):
        soup = soup_of(path)
        css = " ".join(style.get_text() for style in soup.head.find_all("style"))
        assert ".celltag_study-claim" in css and "header.ivig-header" in css, path.name
        assert soup.select(".celltag_study-claim"), path.name  # the tagged markdown cells
        body = re.sub(r"<style.*?</style>", "", str(soup), flags=re.S)
        assert "jp-InputArea-editor" not in body and "import ivig_helpers" not in body


def test_the_synthetic_banner_is_shown_only_for_the_bundled_cohort(bundled_report,
                                                                   controlled_report):
    for path in bundled_report.glob("*.html"):
        banner = soup_of(path).select(".ivig-banner")
        assert len(banner) == 1 and "synthetic" in banner[0].get_text().lower(), path.name
    for path in controlled_report.glob("*.html"):
        assert not soup_of(path).select(".ivig-banner"), path.name


# --- the landing page --------------------------------------------------------------------------

def test_the_landing_page_shows_the_responder_rate_with_its_interval(report):
    results = json.loads((report / "results.json").read_text())
    low, high = results["responder_rate_ci"]
    rate = f"{results['responders']} of {results['n_analysed']} " \
        f"({100 * results['responder_rate']:.1f}%)"
    interval = f"exact 95% CI {100 * low:.1f}% to {100 * high:.1f}%"  # Clopper-Pearson
    if results["min_cell_count"]:  # an interval of rounded counts says so
        interval += " (of the rounded counts)"
    rows = [[cell.get_text() for cell in row.find_all("td")]
            for row in soup_of(report / "index.html").select("table.ivig-table tr")]
    assert any(row[1:] == [rate, interval] and row[0].startswith("Responders") for row in rows)
    for row in narrative.headline_table(results).itertuples():  # every headline number
        assert [row.what, row.value, row.interval] in rows


def test_the_landing_page_says_what_was_run(report):
    results = json.loads((report / "results.json").read_text())
    soup = soup_of(report / "index.html")
    text = soup.select_one("p.ivig-run").get_text()
    assert text.startswith(f"Cohort file {results['data_file']}, run on ")
    date = datetime.date.fromisoformat(re.search(r"run on (\d{4}-\d\d-\d\d)\.", text).group(1))
    assert abs((datetime.date.today() - date).days) <= 1  # the date of the run, date only
    heading = soup.find("h2", string="The parameters of this run")
    settings = dict(tuple(cell.get_text() for cell in row.find_all("td"))
                    for row in heading.find_next("table").select("tbody tr"))
    assert settings["Responder threshold"].startswith(f"{results['responder_threshold']:g}: ")
    assert settings["Children without one-year follow-up"].startswith(
        results["missing_followup_handling"])
    assert settings["Significance level alpha"] == f"{results['alpha']:g}"
    assert settings["min_cell_count (disclosure control)"].split()[0] == \
        str(results["min_cell_count"])
    assert settings["Random seed"] == str(results["seed"])
    statement = mode_statement(results["min_cell_count"], results["bundled_synthetic_cohort"])
    page = (report / "index.html").read_text()
    assert f"<p>{site.inline_markdown(statement)}" in page  # then, when on, what was withheld
    if results["min_cell_count"]:
        assert "<code>disclosure_check.csv</code>." in page


def test_the_landing_page_counts_the_scorecard_matches_only_on_the_bundled_cohort(report):
    card = pd.read_csv(report / "scorecard.csv", dtype={"match": object})
    matched = int((card["match"] == "True").sum())
    withheld = int(card["match"].isna().sum())
    text = text_of(soup_of(report / "index.html"))
    bundled = json.loads((report / "results.json").read_text())["bundled_synthetic_cohort"]
    # on another centre's cohort a count of matching digits means nothing: the intervals say
    # whether the cohort is consistent with the published one
    assert (f"{matched} of {len(card)} published numbers matched" in text) == bundled
    assert (f"{withheld} are not shown" in text) == (withheld > 0 and bundled)
    assert "Is this cohort consistent with the published one?" in text


def test_the_landing_page_answers_in_plain_words_first_and_cites_the_study(report):
    soup = soup_of(report / "index.html")
    headings = [h.get_text() for h in soup.select("main h2")]
    assert headings[0] == "The answer in plain words"
    answer = [li.get_text() for li in soup.select("ul.ivig-answer li")]
    assert [a.split(".")[0] for a in answer] == ["What this cohort shows", "How strong",
                                                  "What it cannot show"]
    results = json.loads((report / "results.json").read_text())
    holm = results["holm_p"]["generalized"]
    beside = soup.find("h2", string="This run beside the study").find_next("table").get_text()
    if isinstance(holm, float):  # Holm-corrected beside raw, as released
        assert f"Holm-corrected p = {narrative.p_text(holm, results['alpha'])}" in beside
    citation = soup.select_one("p.ivig-citation").get_text()
    assert "Ebdalla" in citation and "American Epilepsy Society" in citation


def test_the_single_file_report_holds_every_page_and_needs_nothing_else(report):
    single = soup_of(report / "report.html")
    for page in PAGES:  # every page's title, and a way to it from the contents
        title = soup_of(report / page).find("h1").get_text().rstrip("¶")
        assert title in [h.get_text().rstrip("¶") for h in single.find_all("h1")]
        assert single.select_one(f'nav a[href="#{page[:-5]}"]') is not None
    for image in single.find_all("img"):  # figures embedded
        assert image["src"].startswith("data:image/png;base64,")
    ids = {element["id"] for element in single.find_all(id=True)}
    for link in single.find_all("a", href=True):  # links stay inside the file
        assert link["href"].startswith("#") and link["href"][1:] in ids | {""}, link["href"]
    bundled = json.loads((report / "results.json").read_text())["bundled_synthetic_cohort"]
    assert (single.select_one("p.ivig-banner") is not None) == bundled


def test_table_one_is_also_a_csv_file(report):
    from ivig_helpers.release import Release

    table = pd.read_csv(report / "table1.csv", dtype=str, keep_default_na=False)
    released = Release.load(report / "release.json").table("table_one")
    assert table.columns.tolist() == ["characteristic", "level", *released.columns]
    assert table["Overall"].tolist() == [str(v) for v in released["Overall"]]


def test_the_landing_page_leads_to_every_notebook_with_its_question(report):
    soup = soup_of(report / "index.html")
    items = soup.select("ul.ivig-contents li")
    assert [item.a["href"] for item in items] == PAGES
    for notebook, item in zip(NOTEBOOKS, items, strict=True):
        assert item.a.get_text() == first_heading(notebook)
        source = nbformat.read(notebook, as_version=4).cells[0].source
        question = source.split("**The question.**")[1].strip().split("\n\n")[0]
        assert " ".join(question.split()) == item.select_one(".ivig-question").get_text()
    files = [a["href"] for a in soup.select("main p a")]
    assert {"report.html", "table1.csv", "results.json", "scorecard.csv"} <= set(files)


def test_the_landing_page_shows_every_figure_as_a_thumbnail(report):
    figures = soup_of(report / "index.html").select(".ivig-figures figure")
    files = sorted(path.name for path in report.glob("*.png"))
    assert sorted(figure.img["src"] for figure in figures) == files and files
    for figure in figures:
        assert figure.a["href"] == figure.img["src"]
        assert figure.img["alt"].startswith("Figure: ") and figure.figcaption.get_text()
    assert figures[0].img["src"] == "01_age.png"  # in the order the notebooks show them


def test_the_landing_page_is_in_the_manifest(report):
    manifest = json.loads((report / folder.MANIFEST).read_text())
    assert folder.REPORT_MARKER in manifest["files"]
    assert manifest["files"][folder.REPORT_MARKER] == folder._sha256(report / "index.html")


# --- the pieces, without a run -----------------------------------------------------------------

def tiny_png():
    from matplotlib.figure import Figure

    figure = Figure(figsize=(1, 1))
    figure.add_subplot().plot([0, 1])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def tiny_notebook(title="# 7. A question?", question="**The question.** Is it *so*?"):
    content = nbformat.v4.new_notebook()
    claim = nbformat.v4.new_markdown_cell("**What the study reported.** Something.")
    claim.metadata["tags"] = ["study-claim"]
    figure = nbformat.v4.new_code_cell('plots.save_figure(figure, output_dir, "07_thing")')
    figure.outputs = [nbformat.v4.new_output("display_data", data={
        "image/png": tiny_png(), "text/plain": "<Figure>"})]
    content.cells = [nbformat.v4.new_markdown_cell(f"{title}\n\n{question}\n\nMore."), claim,
                     nbformat.v4.new_markdown_cell("## The `thing`, drawn"), figure]
    return content


def test_a_notebook_is_described_by_its_heading_question_and_figures():
    page = site.describe_notebook(tiny_notebook(), "07_thing")
    assert (page.title, page.question, page.figures) == (
        "7. A question?", "Is it *so*?", {"07_thing": "The thing, drawn"})
    assert page.href == "07_thing.html" and page.page_title == "7. A question?" + SUFFIX
    bare = site.describe_notebook(nbformat.v4.new_notebook(), "08_bare")
    assert (bare.title, bare.question) == ("08_bare", "")


def test_a_notebook_page_from_the_template_alone():
    pages = [site.NotebookPage("06_before", "6. Before"), site.describe_notebook(
        tiny_notebook(), "07_thing")]
    html = site.notebook_page(tiny_notebook(), pages, 1, bundled=False)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.get_text() == "7. A question?" + SUFFIX
    assert [(a["href"], a.get("rel")) for a in soup.select("header nav a")] == [
        ("index.html", None), ("06_before.html", ["prev"])]
    assert [a["href"] for a in soup.select("nav.ivig-pager a")] == ["06_before.html"]
    assert soup.img["alt"] == "Figure: The thing, drawn"
    assert soup.img["src"].startswith("data:image/png;base64,")
    assert soup.select_one(".celltag_study-claim") is not None
    assert site.STYLE.strip() in html and not soup.select(".ivig-banner")
    assert [e["src"][:5] for e in soup.find_all(src=True)] == ["data:"]  # the figure only
    assert "plots.save_figure" not in html  # no code
    assert "<script src" not in html


def test_other_pages_share_the_header():
    html = site.page("A <page>", "<p>body</p>", site.nav([{"href": "x.html", "label": "X & Y"}]))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.get_text() == "A <page>" and soup.h1.get_text() == "A <page>"
    assert str(soup.select_one("nav a")) == '<a href="x.html">X &amp; Y</a>'
    assert soup.select_one("header.ivig-header .ivig-title") is not None
    assert soup.select_one("main p").get_text() == "body"


def test_the_templates_are_shipped_with_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["ivig_helpers.app"]
    package = ROOT / "ivig_helpers" / "app"
    files = [p for p in (package / "templates").rglob("*") if p.is_file()
             and "__pycache__" not in p.parts]
    assert files
    for path in files:
        assert any(Path(path.relative_to(package)).match(pattern) for pattern in patterns), path


def test_a_file_name_with_html_is_shown_as_text_on_every_page(controlled_report):
    """The cohort file is named ``=centre <img src=x onerror=alert(1)> b.csv`` (conftest): no
    page turns it into an element, every page shows it as text."""
    from .conftest import CONTROLLED_FILE_NAME

    for path in controlled_report.glob("*.html"):
        soup = soup_of(path)
        assert not soup.find(attrs={"onerror": True}), path.name
        assert not [img for img in soup.find_all("img") if img.get("src") == "x"], path.name
    assert CONTROLLED_FILE_NAME in soup_of(controlled_report / "01_cohort.html").get_text()
    assert CONTROLLED_FILE_NAME in soup_of(controlled_report / "index.html").get_text()


def test_no_csv_cell_of_a_report_starts_like_a_spreadsheet_formula(controlled_report):
    import csv

    for path in controlled_report.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for value in row:
                    try:
                        float(value)
                        continue  # a number, negative ones too
                    except ValueError:
                        assert not value.startswith(("=", "+", "-", "@")), (path.name, value)

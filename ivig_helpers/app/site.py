"""The look of the report site: one stylesheet, one header and the pages of a report. Pages are
self-contained: nothing is loaded from outside the machine when they are opened.

The pages are Jinja templates in ``templates/ivig_report/`` (shipped with the package):

- ``index.html.j2``: a notebook's page, through nbconvert; it extends nbconvert's ``lab``
  template, leaves out the code and every script the ``lab`` template loads from a CDN, and adds
  the report's header, style, navigation and the figures' alternative text (:func:`notebook_page`);
- ``page.html.j2``: any other page (:func:`page`), and ``landing.html.j2``, the landing page of a
  report (:func:`landing_page`);
- ``ivig_site.html.j2``: the header and navigation that all of them share.
"""

from __future__ import annotations

import functools
import html
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "ivig_report"  # the folder in TEMPLATES; nbconvert's template_name
REPORT_TITLE = "IVIG replication report"
HOME = "index.html"  # the landing page (runner.REPORT_MARKER)

STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 0 auto; max-width: 1000px; padding: 0 1.2em 3em; color: #1f2328;
       line-height: 1.5; }
header.ivig-header { border-bottom: 2px solid #4c72b0; margin-bottom: 1.2em; padding: .6em 0;
                     font-size: 1rem; line-height: 1.5; }
header.ivig-header .ivig-title { font-size: 1.05em; font-weight: 600; }
nav.ivig-nav { font-size: 1rem; }
nav.ivig-nav a { margin-right: 1.2em; color: #0969da; text-decoration: underline; }
nav.ivig-pager { border-top: 1px solid #d0d7de; margin-top: 2em; padding-top: .6em; }
.ivig-banner { background: #fff4e5; border-left: 4px solid #f4a582; padding: .5em .8em;
               margin: .8em 0; }
.ivig-mode { background: #eef3fb; border-left: 4px solid #4c72b0; padding: .5em .8em;
             margin: .8em 0; }
.ivig-mode p { margin: 0; }
table.ivig-table { border-collapse: collapse; margin: .8em 0; }
table.ivig-table th, table.ivig-table td { border-bottom: 1px solid #d0d7de;
                                           padding: .3em .8em; text-align: left;
                                           vertical-align: top; }
table.ivig-table th { background: #f6f8fa; }
tr.ivig-changed td { background: #fff8c5; }
ul.ivig-contents { padding-left: 1.2em; }
ul.ivig-contents li { margin: .4em 0; }
ul.ivig-contents .ivig-question { color: #59636e; }
.ivig-figures img { width: 300px; margin: .3em; border: 1px solid #d0d7de; }
.ivig-figures figure { display: inline-block; vertical-align: top; width: 310px;
                       margin: 0 .6em .8em 0; }
.ivig-figures figcaption { font-size: .85em; color: #59636e; }
.celltag_study-claim { background: #f6f3fb; border-left: 4px solid #8073ac;
                       padding: .2em .8em; margin: .6em 0; }
.celltag_study-claim::before { content: "What the study reported"; font-size: .8em;
                               color: #8073ac; font-weight: 600; text-transform: uppercase; }
"""


def escape(text) -> str:
    """Text made safe for HTML."""
    return html.escape(str(text))


def markdown_bold(text: str) -> str:
    """Escape text and turn ``**x**`` into bold, the one piece of Markdown our sentences use.

    Examples
    --------
    >>> markdown_bold("Disclosure control: **on** <5")
    'Disclosure control: <strong>on</strong> &lt;5'
    """
    parts = escape(text).split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


def inline_markdown(text: str) -> str:
    """One line of Markdown as HTML: ``**bold**`` and ```code``` marked up, the rest escaped.

    Examples
    --------
    >>> inline_markdown("Disclosure control: **on** & `--param min_cell_count=5` <b>")
    'Disclosure control: <strong>on</strong> &amp; <code>--param min_cell_count=5</code> &lt;b&gt;'
    """
    parts = re.split(r"(\*\*.+?\*\*|`[^`]+`)", text)
    marked = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            marked.append(html.escape(part))
        elif part.startswith("**"):
            marked.append(f"<strong>{html.escape(part[2:-2])}</strong>")
        else:
            marked.append(f"<code>{html.escape(part[1:-1])}</code>")
    return "".join(marked)


def table(rows: list[dict], columns: list[str], changed_key: str | None = None) -> str:
    """An HTML table of plain rows; rows whose ``changed_key`` is true are highlighted."""
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        marked = ' class="ivig-changed"' if changed_key and row.get(changed_key) else ""
        cells = "".join(f"<td>{escape(row.get(c, ''))}</td>" for c in columns)
        body.append(f"<tr{marked}>{cells}</tr>")
    return (f'<table class="ivig-table"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table>")


# --- pages that are not notebooks --------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / TEMPLATE_NAME),
                              autoescape=True, undefined=jinja2.StrictUndefined)


def _render(template: str, **context) -> str:
    from markupsafe import Markup

    return _environment().get_template(template).render(
        {"style": Markup(STYLE), "bundled": False, "nav": Markup(""), **context}) + "\n"


def page(title: str, body: str, nav: str = "") -> str:
    """A whole self-contained HTML page with the project's header; ``body`` and ``nav`` are
    HTML."""
    from markupsafe import Markup

    return _render("page.html.j2", title=title, body=Markup(body), nav=Markup(nav))


def nav(links: list[dict]) -> str:
    """The links of a header as HTML; each link a dict of ``href``, ``label`` and optionally
    ``rel`` and ``current`` (the page itself).

    Examples
    --------
    >>> nav([{"href": "index.html", "label": "Report home", "current": True}])
    '<a href="index.html" aria-current="page">Report home</a>'
    """
    return str(_environment().get_template("ivig_site.html.j2").module.nav(links))


# --- what the pages say about each notebook ----------------------------------------------------

QUESTION_MARK = "**The question.**"
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SAVED_FIGURE = re.compile(r"save_figure\([^)]*?[\"']([^\"']+)[\"']\s*\)")


@dataclass(frozen=True)
class NotebookPage:
    """A notebook as the report's pages show it."""

    stem: str  # "02_responders"
    title: str  # the notebook's first heading ("2. How many children responded?"), or the stem
    question: str = ""  # what it asks: the "**The question.**" paragraph (Markdown), or ""
    figures: dict = field(default_factory=dict)  # figure file name (no .png) -> its section

    @property
    def href(self) -> str:
        return f"{self.stem}.html"

    @property
    def page_title(self) -> str:
        return f"{self.title} – {REPORT_TITLE}"


def _plain(markdown: str) -> str:
    """A heading's text without its emphasis and code marks."""
    return re.sub(r"\*\*|__|`", "", markdown).strip()


def headings(cell) -> list[str]:
    """The headings of a markdown cell, in order, as plain text (none for other cells).

    Examples
    --------
    >>> import nbformat
    >>> headings(nbformat.v4.new_markdown_cell("# 1. Who was studied?\\n\\ntext\\n## `Age` ##"))
    ['1. Who was studied?', 'Age']
    """
    if cell.get("cell_type") != "markdown":
        return []
    found, fenced = [], False
    for line in cell.get("source", "").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match and match.group(2):
            found.append(_plain(match.group(2)))
    return found


def section_of_each_cell(content) -> list[str | None]:
    """For each cell, the last heading at or above it (None before the first)."""
    sections, current = [], None
    for cell in content.cells:
        current = (headings(cell) or [current])[-1]
        sections.append(current)
    return sections


def question(content) -> str:
    """The paragraph that starts with "**The question.**", without that mark, on one line."""
    for cell in content.cells:
        if cell.get("cell_type") != "markdown" or QUESTION_MARK not in cell.source:
            continue
        rest = cell.source.split(QUESTION_MARK, 1)[1]
        paragraph = re.split(r"\n\s*\n", rest, maxsplit=1)[0]
        return " ".join(paragraph.split())
    return ""


def describe_notebook(content, stem: str) -> NotebookPage:
    """What the pages say about a notebook (an nbformat node): its title, its question, and the
    section each figure it saves (``plots.save_figure(..., "NAME")``) is in."""
    title = next((found[0] for cell in content.cells for found in [headings(cell)] if found),
                 stem)
    figures = {}
    for cell, section in zip(content.cells, section_of_each_cell(content), strict=True):
        if cell.get("cell_type") == "code":
            for name in _SAVED_FIGURE.findall(cell.source):
                figures[name] = section or title
    return NotebookPage(stem, title, question(content), figures)


# --- a notebook's page ---------------------------------------------------------------------------

def _link(page: NotebookPage | None, rel: str | None = None) -> dict | None:
    return None if page is None else {"href": page.href, "label": page.title, "rel": rel}


def header_links(pages: list[NotebookPage], position: int | None) -> list[dict]:
    """The header's links on the notebook page at ``position`` (None: the landing page): the
    landing page, and the previous and the next notebook (none before the first or after the
    last)."""
    links = [{"href": HOME, "label": "Report home", "current": position is None}]
    if position is None:
        if pages:
            links.append({**_link(pages[0]), "label": f"Start reading: {pages[0].title}"})
        return links
    if position > 0:
        links.append({**_link(pages[position - 1], "prev"),
                      "label": f"← Previous: {pages[position - 1].title}"})
    if position + 1 < len(pages):
        links.append({**_link(pages[position + 1], "next"),
                      "label": f"Next: {pages[position + 1].title} →"})
    return links


@functools.lru_cache(maxsize=1)
def exporter():
    """nbconvert's HTML exporter with the report's template: no code, no prompts. One for every
    page (a new one compiles the templates again, which took half the time of a page); it is not
    safe to use from two threads at once, so :func:`notebook_page` holds :data:`_EXPORTING`."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)],
                        exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)


_EXPORTING = threading.Lock()


def notebook_page(content, pages: list[NotebookPage], position: int, bundled: bool) -> str:
    """The HTML page of an executed notebook (an nbformat node, changed in place: its title and
    the alternative text of its figures are set in its metadata), the notebook at
    ``position`` in ``pages``."""
    me = pages[position]
    content.metadata["title"] = me.page_title  # the lab template's <title>
    for cell, section in zip(content.cells, section_of_each_cell(content), strict=True):
        if cell.get("cell_type") == "code":
            cell.metadata["ivig_figure_alt"] = f"Figure: {section or me.title}"
    previous = pages[position - 1] if position > 0 else None
    following = pages[position + 1] if position + 1 < len(pages) else None
    resources = {"ivig": {"style": STYLE, "bundled": bundled,
                          "nav": header_links(pages, position),
                          "previous": _link(previous), "next": _link(following)}}
    with _EXPORTING:
        body, _ = exporter().from_notebook_node(content, resources=resources)
    return body


# --- the landing page ----------------------------------------------------------------------------

def landing_page(pages: list[NotebookPage], *, disclosure: str, bundled: bool, data_file: str,
                 date: str, parameters: list[dict], headline: list[dict] | None,
                 scorecard: str, figures: list[dict], files: list[str],
                 answer: list[str] = (), beside: list[dict] = (), consistency: str = "",
                 citation: str = "") -> str:
    """The landing page of a report (``index.html``).

    ``disclosure`` and ``scorecard`` are one line of Markdown each (``scorecard`` may be empty);
    ``parameters`` rows of ``setting`` and ``value``; ``headline`` the rows of
    :func:`ivig_helpers.narrative.headline_table` (None: no results); ``figures`` dicts of
    ``file``, ``alt`` and ``caption``; ``files`` the result files to link; ``answer`` the
    bullets of the answer in plain words (Markdown, "- " first); ``beside`` the headline numbers
    beside the study's (:func:`ivig_helpers.summary.published_beside`), ``consistency`` one
    sentence on them, ``citation`` the study's.
    """
    from markupsafe import Markup

    scorecard_page = next((p for p in pages if "scorecard" in p.stem), None)
    headline_html = None
    if headline is not None:
        rows = [{"What": row["what"], "Value": row["value"], "Interval": row["interval"]}
                for row in headline]
        headline_html = Markup(table(rows, ["What", "Value", "Interval"]))
    rows = [{"Setting": row["setting"], "Value": row["value"]} for row in parameters]
    return _render(
        "landing.html.j2", title=REPORT_TITLE, bundled=bundled,
        nav=Markup(nav(header_links(pages, None))), pages=[
            {"href": p.href, "title": p.title, "question": Markup(inline_markdown(p.question))}
            for p in pages],
        disclosure=Markup(inline_markdown(disclosure)), data_file=data_file, date=date,
        headline=headline_html, scorecard=Markup(inline_markdown(scorecard)),
        scorecard_page=scorecard_page, figures=figures, files=files,
        parameters=Markup(table(rows, ["Setting", "Value"])),
        answer=[Markup(inline_markdown(line.removeprefix("- "))) for line in answer if line],
        beside=Markup(table(list(beside), list(beside[0]))) if beside else None,
        consistency=Markup(inline_markdown(consistency)), citation=citation)

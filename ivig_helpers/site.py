"""The look of the report site: one stylesheet and one page shell for the landing page, the
notebook pages' header and the comparison page. Pages are self-contained: nothing is loaded from
outside the machine when they are opened."""

from __future__ import annotations

import html

STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 0 auto; max-width: 1000px; padding: 0 1.2em 3em; color: #1f2328;
       line-height: 1.5; }
header.ivig-header { border-bottom: 2px solid #4c72b0; margin-bottom: 1.2em; padding: .6em 0; }
header.ivig-header .ivig-title { font-size: 1.05em; font-weight: 600; }
nav.ivig-nav a { margin-right: 1.2em; }
.ivig-banner { background: #fff4e5; border-left: 4px solid #f4a582; padding: .5em .8em;
               margin: .8em 0; }
.ivig-mode { background: #eef3fb; border-left: 4px solid #4c72b0; padding: .5em .8em;
             margin: .8em 0; }
table.ivig-table { border-collapse: collapse; margin: .8em 0; }
table.ivig-table th, table.ivig-table td { border-bottom: 1px solid #d0d7de;
                                           padding: .3em .8em; text-align: left;
                                           vertical-align: top; }
table.ivig-table th { background: #f6f8fa; }
tr.ivig-changed td { background: #fff8c5; }
.ivig-figures img { width: 300px; margin: .3em; border: 1px solid #d0d7de; }
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


def page(title: str, body: str, nav: str = "") -> str:
    """A whole self-contained HTML page with the project's header."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style></head>
<body>
<header class="ivig-header"><div class="ivig-title">IVIG in children with drug-resistant epilepsy:
replication report</div><nav class="ivig-nav">{nav}</nav></header>
<h1>{escape(title)}</h1>
{body}
</body></html>
"""

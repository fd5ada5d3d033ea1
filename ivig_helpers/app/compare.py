"""Two reports side by side: ``python -m ivig_helpers compare REPORT_A REPORT_B --out DIR``.

A teacher changes a parameter and re-runs; a centre sets its cohort beside another run. This
writes ``compare.html`` (the same look as the reports) and ``compare.csv``: the parameters of the
two runs and every headline number with its interval, with what changed marked; and
``compare-manifest.json``, so that a later comparison into the same folder replaces those files,
and never a file of the user's that happens to bear one of their names.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from ..narrative import headline_table
from . import site

PARAMETER_KEYS = (("data_file", "Cohort file"), ("responder_threshold", "Responder threshold"),
                  ("missing_followup_handling", "Children without one-year follow-up"),
                  ("alpha", "Significance level alpha"), ("min_cell_count", "min_cell_count"),
                  ("seed", "Random seed"))


WRITTEN = ("compare.csv", "compare.html")
RECORD = "compare-manifest.json"
"""What ``compare`` wrote into its ``--out`` folder, with a SHA-256 of each file: a later
``compare`` replaces those files only while they are unchanged, never a file of the user's."""


class NotAReport(ValueError):
    """A folder without the results.json of a report, or with one this project did not write."""


class WouldOverwrite(ValueError):
    """A file in ``--out`` that ``compare`` would replace but did not write itself."""


def read_results(folder: Path) -> dict:
    """The results.json of a report folder, or NotAReport in words."""
    path = Path(folder) / "results.json"
    if not path.is_file():
        raise NotAReport(f"'{folder}' is not a report folder (it has no results.json); "
                         "give the folders that `python -m ivig_helpers run --out` wrote")
    not_ours = (f"'{path}' is not a results file written by this project (or it was changed "
                "after the run wrote it); give the folders that `python -m ivig_helpers run "
                "--out` wrote")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not JSON, not UTF-8, unreadable
        raise NotAReport(not_ours) from None
    if not isinstance(results, dict):
        raise NotAReport(not_ours)
    try:
        headline_table(results)  # every number the comparison shows is there and readable
    except KeyError as missing:
        raise NotAReport(f"{not_ours}: it has no '{missing.args[0]}'") from None
    except (TypeError, ValueError, AttributeError, IndexError):
        raise NotAReport(not_ours) from None
    return results


def _refuse_overwriting(out: Path) -> None:
    """Raise WouldOverwrite naming the first file in ``out`` that ``compare`` would replace but
    did not write, or that was changed since (compared with :data:`RECORD`)."""
    try:
        listed = json.loads((out / RECORD).read_text(encoding="utf-8"))["files"]
        listed = listed if isinstance(listed, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        listed = {}
    for name in (RECORD, *WRITTEN):
        path = out / name
        if not path.exists() and not path.is_symlink():
            continue
        ours = path.is_file() and not path.is_symlink() and (
            name == RECORD and bool(listed) or name in listed
            and listed[name] == hashlib.sha256(path.read_bytes()).hexdigest())
        if not ours:
            raise WouldOverwrite(
                f"'{path}' already exists and was not written by an earlier compare (or was "
                "changed since); nothing was written. Move the file, or name another folder "
                "with --out")


def comparison_rows(a: dict, b: dict) -> tuple[list[dict], list[dict]]:
    """The parameter rows and the headline rows of two runs, each marked ``changed``.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, compute_results, load_cohort
    >>> table = load_cohort(BUNDLED_COHORT).table
    >>> params, numbers = comparison_rows(compute_results(table),
    ...                                   compute_results(table, responder_threshold=0.75))
    >>> [row["parameter"] for row in params if row["changed"]]
    ['Responder threshold']
    >>> [row["quantity"] for row in numbers if row["changed"]][:2]
    ['responders', 'between_types_p']
    """
    params = [{"parameter": label, "A": a.get(key, ""), "B": b.get(key, ""),
               "changed": a.get(key) != b.get(key)} for key, label in PARAMETER_KEYS]
    left, right = headline_table(a).set_index("quantity"), headline_table(b).set_index("quantity")
    numbers = []
    for quantity in left.index:
        one, two = left.loc[quantity], right.loc[quantity]
        numbers.append({
            "quantity": quantity, "what": one["what"] if one["what"] == two["what"]
            else f"{one['what']} / {two['what']}",
            "A": one["value"], "A interval": one["interval"],
            "B": two["value"], "B interval": two["interval"],
            "changed": (one["value"], one["interval"]) != (two["value"], two["interval"])})
    return params, numbers


def write_comparison(report_a: Path, report_b: Path, out: Path) -> Path:
    """Write ``compare.html`` and ``compare.csv`` into ``out``; returns the HTML path."""
    a, b = read_results(report_a), read_results(report_b)
    params, numbers = comparison_rows(a, b)
    _refuse_overwriting(out)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "compare.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["section", "quantity", "what", "A", "A interval", "B", "B interval",
                         "changed"])
        for row in params:
            writer.writerow(["parameter", row["parameter"], row["parameter"], row["A"], "",
                             row["B"], "", row["changed"]])
        for row in numbers:
            writer.writerow(["result", row["quantity"], row["what"], row["A"], row["A interval"],
                             row["B"], row["B interval"], row["changed"]])
    changed = sum(row["changed"] for row in numbers)
    warnings = "".join(
        f'<p class="ivig-banner">Report {label} was made from real data with disclosure control '
        "off: this comparison shows its exact counts and is for the centre's own team, not for "
        "sharing.</p>" for label, results in (("A", a), ("B", b))
        if not results.get("bundled_synthetic_cohort") and not results.get("min_cell_count"))
    body = (f"<p><strong>A</strong>: {site.escape(Path(report_a).name)}<br><strong>B</strong>: "
            f"{site.escape(Path(report_b).name)}</p>" + warnings
            + "<h2>Parameters</h2>"
            + site.table(params, ["parameter", "A", "B"], "changed")
            + f"<h2>Headline numbers</h2><p>{changed} of {len(numbers)} differ (highlighted).</p>"
            + site.table(numbers, ["what", "A", "A interval", "B", "B interval"], "changed")
            + "<p>Numbers are as each report released them: with disclosure control on, counts "
              "are rounded to 5 and small ones hidden.</p>")
    path = out / "compare.html"
    path.write_text(site.page("Two runs side by side", body), encoding="utf-8")
    record = {"written_by": "python -m ivig_helpers compare",
              "about": "The files compare wrote here, with their SHA-256: a later compare "
                       "replaces them only while they are unchanged.",
              "files": {name: hashlib.sha256((out / name).read_bytes()).hexdigest()
                        for name in WRITTEN}}
    (out / RECORD).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return path

"""What a notebook shows: the source of the data, Table 1, rates and tables as plain text.

A notebook opens the run's release (:func:`open_notebook`, :mod:`ivig_helpers.release`) and shows
its tables: every function here formats numbers that have already been released, and none of
them sees a patient row. :func:`table_one` is the builder of Table 1 that the release uses.
"""

from __future__ import annotations

import pandas as pd

from .narrative import p_text, p_words, run_statement
from .parameters import RUN_SEED
from .privacy import ROUNDING_BASE, SUPPRESSED, is_number, mode_statement
from .release import Release, open_release
from .rounded import ROUNDED, counts_rounded, of_rounded


def source_note(release: Release) -> str:
    """One sentence saying which data a notebook is showing (the size as released). The file
    name is the user's own text: it is shown as code, never as Markdown or HTML."""
    meta = release.meta
    name = _code(meta["data_file"])
    size = release.results["n_patients"]
    if meta["bundled_synthetic_cohort"]:
        return (f"Data: {name}, the bundled SYNTHETIC cohort of {size} made-up patients "
                "(no real patient records).")
    rounded = " (rounded to the nearest 5)" if release.min_cell_count > 0 else ""
    return (f"Data: {name}, {size} patients{rounded}. Patient rows and identifiers are not "
            "shown for this cohort.")


PROVENANCE_LEGEND = (
    "**The tags after some numbers** say where a number of the synthetic cohort comes from: "
    "*(published)*, the study published it (or it is computed from published numbers alone, "
    "such as a test of the published 22 of 60 against a placebo rate) and the cohort was built "
    "to give it; *(built in)*, "
    "the study did not publish it, but the cohort was built to respect what it did say (for "
    "example \"not significant\"); *(assumed)*, it follows from this project's own assumptions "
    "about what the study did not publish (listed in the data folder's README), and other "
    "assumptions would give another value.")
HOW_NUMBERS_ARE_MADE = (
    "**How this page gets its numbers.** The cohort file was read and checked once, each "
    "child's outcomes were worked out (percent change, responder, seizure free, score) by one "
    "set of definitions shared by every page, and every number of the report was computed once "
    "and released by the rules of the disclosure mode above. The page shows that release and "
    "holds no patient row; every sentence that starts \"In these data\" is written from it.")


def run_line(release: Release) -> str:
    """The run's facts in one short line for the top of a page: the file, the responder
    definition, alpha and the disclosure mode (Markdown; the details fold away below it).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> release = SimpleNamespace(meta={"data_file": "centre.csv",
    ...                                 "bundled_synthetic_cohort": False}, min_cell_count=5,
    ...                           results={"n_patients": 40, "responder_threshold": 0.5,
    ...                                    "alpha": 0.05})
    >>> print(run_line(release))
    **This run:** `centre.csv`, 40 children · responder: at least 50% fewer seizures · \
alpha 0.05 · disclosure control on (counts below 5 hidden, others rounded to 5)
    """
    meta, results = release.meta, release.results
    if meta["bundled_synthetic_cohort"]:
        data = f"{_code(meta['data_file'])}, {results['n_patients']} made-up children (synthetic)"
        mode = "disclosure control not needed"
    else:
        data = f"{_code(meta['data_file'])}, {results['n_patients']} children"
        mode = (f"disclosure control on (counts below {release.min_cell_count} hidden, others "
                f"rounded to {ROUNDING_BASE})" if release.min_cell_count > 0 else
                "disclosure control **off** (not for sharing)")
    return (f"**This run:** {data} · responder: at least "
            f"{100 * results['responder_threshold']:g}% fewer seizures · alpha "
            f"{results['alpha']:g} · {mode}")


def _code(text: str) -> str:
    """Any text as inline Markdown code, which every Markdown renderer shows as text, never as
    HTML: a backtick in the text could end the span early, so it becomes an apostrophe.

    Examples
    --------
    >>> _code("a.csv"), _code("<img src=x onerror=alert(1)>`.csv")
    ('`a.csv`', "`<img src=x onerror=alert(1)>'.csv`")
    """
    flat = " ".join(str(text).replace("`", "'").split())
    return f"`{flat}`"


def open_notebook(data_path: str, responder_threshold: float = 0.5,
                  missing_followup: str = "nonresponder", min_cell_count: int = 0,
                  alpha: float = 0.05, seed: int = RUN_SEED) -> Release:
    """Open the run's release (:func:`ivig_helpers.release.open_release`), set the figure style
    and say what data, parameters and disclosure mode the notebook shows.

    Every notebook starts with this call: it holds the numbers of the notebook, and no row.
    """
    from IPython.display import Markdown, display

    from .plots import setup_style

    release = open_release(data_path, responder_threshold, missing_followup, min_cell_count,
                           alpha, seed)
    setup_style()
    bundled = release.meta["bundled_synthetic_cohort"]
    details = [source_note(release),
               run_statement(responder_threshold, missing_followup, alpha, seed),
               mode_statement(min_cell_count, bundled)]
    if bundled:
        details.append(PROVENANCE_LEGEND)
    details.append(HOW_NUMBERS_ARE_MADE)
    display(Markdown(run_line(release) + "\n\n<details><summary>Details of this run</summary>"
                     "\n\n" + "\n\n".join(details) + "\n\n</details>"))
    for note in release.meta["notes"]:
        print(note)
    return release


def preview_rows(release: Release) -> pd.DataFrame | None:
    """The first rows of the bundled synthetic cohort; for any other cohort, a sentence instead."""
    if release.meta["bundled_synthetic_cohort"] and "preview" in release.tables:
        return release.table("preview")
    print("Rows of this cohort are not shown (private by default); see the summaries below.")
    return None


def level_words(confidence: float) -> str:
    """A confidence level as a percentage ("95%").

    Examples
    --------
    >>> level_words(1 - 0.05), level_words(0.9)
    ('95%', '90%')
    """
    return f"{100 * confidence:g}%"


def describe_rate(label: str, row: pd.Series, interval: str = "exact",
                  confidence: float = 0.95, rounded: bool = False,
                  min_cell_count: int | None = None) -> str:
    """A released rate (a row of a release's rate tables) as a plain sentence.

    ``interval`` is "exact" (Clopper-Pearson) or "wilson"; ``rounded`` says that the counts
    were rounded by disclosure control (``min_cell_count``, by default the notebook's): they
    read "about", and the interval is one of the rounded counts
    (:func:`ivig_helpers.rounded.count_of`).

    Examples
    --------
    >>> row = pd.Series({"events": 22, "n": 60, "rate": 22 / 60, "exact_low": 0.2459,
    ...                  "exact_high": 0.5010})
    >>> describe_rate("Responders", row)
    'Responders: 22 of 60 (36.7%), exact 95% CI 24.6% to 50.1%'
    >>> describe_rate("Responders", pd.Series({"events": "<5", "n": 20, "rate": "suppressed"}))
    'Responders: <5 of 20 (rate not shown: a count is hidden)'
    >>> print(describe_rate("Seizure free", pd.Series({"events": 10, "n": 10, "rate": 1.0,
    ...       "exact_low": 0.69, "exact_high": 1.0}), rounded=True, min_cell_count=5))
    Seizure free: about 10 of about 10 (67% to 100%: both counts are rounded to the nearest \
5), exact 95% CI of the rounded counts 69.0% to 100.0%
    """
    from .rounded import count_of

    events, n = (int(v) if is_number(v) else v for v in (row["events"], row["n"]))
    if is_number(n) and n == 0:
        return f"{label}: no patients"
    mcc = max(counts_rounded(min_cell_count, row), 1) if rounded else 0
    if not is_number(row["rate"]):
        counts = count_of(events, n, None, mcc) if rounded else f"{events} of {n}"
        return f"{label}: {counts} (rate not shown: a count is hidden)"
    low, high = row[f"{interval}_low"], row[f"{interval}_high"]
    name = {"exact": "exact", "wilson": "Wilson"}[interval]
    name += f" {level_words(confidence)} CI" + (f" {ROUNDED}" if rounded else "")
    return (f"{label}: {count_of(events, n, row['rate'], mcc)}, {name} "
            f"{100 * low:.1f}% to {100 * high:.1f}%")


COLUMN_WORDS = {
    "group": "Group", "seizure_type": "Seizure type", "threshold": "A responder has at least",
    "test": "Test", "n": "Children", "events": "With the outcome", "n_changed": "Changed",
    "median_before": "Median before", "median_after": "Median at one year",
    "statistic": "Statistic", "p_value": "p", "note": "Note", "rate": "Rate",
    "percent": "Share of children", "p_adjusted": "p, Holm-adjusted", "odds_ratio": "Odds ratio",
    "ci": "95% CI", "method": "Method", "specification": "Analysis", "benchmark": "Compared with",
    "benchmark_rate": "Their rate", "power": "Power", "n_per_arm": "Children per arm",
    "study": "Cohort",
}
"""Column headings in words, for the tables a reader sees."""
COUNT_COLUMNS = ("n", "events", "n_changed", "n_fell", "n_rose", "n_per_arm", "n_a", "n_b",
                 "fell", "same", "rose", "responders", "others")


def result_table(table: pd.DataFrame, columns: list[str] | None = None,
                 confidence: float = 0.95, names: dict | None = None,
                 min_cell_count: int | None = None):
    """A released table for reading: rates as percentages, an exact interval as one
    "a% to b%" column, p-values with up to three decimals, medians with one, headings in words
    (``names`` adds or overrides some), no index. It formats; it releases nothing (the release
    has done that). With disclosure control on (``min_cell_count``, by default the notebook's),
    a heading or interval that says "exact" says "of the rounded counts" too
    (:func:`ivig_helpers.rounded.of_rounded`): an exact method on rounded counts is not exact
    about the children.

    Returns an HTML display object (with a fixed id, so that re-running changes nothing).
    """
    from IPython.display import HTML

    released = table
    min_cell_count = counts_rounded(min_cell_count, table)
    columns = list(columns if columns is not None else released.columns)
    shown = pd.DataFrame(index=released.index)
    for column in columns:
        if column == "exact_high":
            continue
        values = released[column]
        if column == "exact_low":
            heading = f"Exact {level_words(confidence)} CI"
            if "study" in columns and counts_rounded(min_cell_count) > 0:
                heading += " (these data: of the rounded counts)"  # the others as published
            shown[of_rounded(heading, min_cell_count)] = [
                f"{100 * low:.1f}% to {100 * high:.1f}%" if is_number(low) and is_number(high)
                and pd.notna(low) else ("" if not isinstance(low, str) else low)
                for low, high in zip(values, released["exact_high"], strict=True)]
            continue
        heading = {**COLUMN_WORDS, **(names or {})}.get(column, column)
        if "exact" in heading.lower():
            heading = of_rounded(heading, min_cell_count)
        if column == "interval":  # the method of an interval of the counts shown
            values = values.map(lambda v: of_rounded(v, min_cell_count)
                                if isinstance(v, str) and "exact" in v else v)
        if column in ("rate", "threshold"):
            shown[heading] = [f"{100 * v:.1f}%" if is_number(v) and pd.notna(v) else
                              ("" if not isinstance(v, str) else v) for v in values]
        elif column == "percent":
            shown[heading] = [f"{v:.1f}%" if is_number(v) else v for v in values]
        elif column in COUNT_COLUMNS:
            shown[heading] = [int(v) if is_number(v) and pd.notna(v) else
                              ("" if not isinstance(v, str) else v) for v in values]
        elif column.startswith(("p_", "median")) or any(
                isinstance(v, float) for v in values):
            p_value = column.startswith("p_")  # at most three decimals, none it lacks
            # a median to one decimal: a second one ending in 5 (the mean of two values with one
            # decimal each) would say that the group is even in size
            digits = 1 if column.startswith("median") else 2
            shown[heading] = [(p_text(v) if p_value
                               else f"{v:.{digits}f}")
                              if is_number(v) and pd.notna(v) else
                              ("" if not isinstance(v, str) else v) for v in values]
        else:
            shown[heading] = values.astype(object)
    import hashlib

    # an id from the content: stable from run to run, different for every table of a page
    digest = hashlib.sha256(shown.to_csv().encode()).hexdigest()[:10]
    styled = shown.style.set_uuid(f"result-{digest}").hide(axis="index").set_table_attributes(
        'class="ivig-table"')
    return HTML(styled.to_html())


def describe_median(median: dict, seed: int | None = None, confidence: float = 0.95) -> str:
    """The released median percent change (``release.texts["median"]``) as two plain lines.

    Examples
    --------
    >>> print(describe_median({"n": 40, "median": -31.25, "ci_low": -50.0, "ci_high": -12.5,
    ...                        "method": "bootstrap"}, seed=1))
    Median percent change at one year: -31.2%
    Bootstrap 95% CI: -50.0% to -12.5% (n = 40, seed 1)
    """
    n = median["n"]
    if is_number(n) and n == 0:
        return "Median percent change at one year: no child has one-year follow-up"
    if not is_number(median["median"]):
        return (f"Median percent change at one year: not shown (n = {n}; a summary needs "
                "enough children with a value)")
    bootstrap = median.get("method", "bootstrap") == "bootstrap"
    seeded = f", seed {seed}" if seed is not None and bootstrap else ""
    label = (f"Bootstrap {level_words(confidence)} CI" if bootstrap else
             f"Distribution-free (order-statistic) {level_words(confidence)} CI")
    low, high = median["ci_low"], median["ci_high"]
    interval = (f"{label}: {low:.1f}% to {high:.1f}%" if is_number(low) and is_number(high)
                else f"{label}: needs at least 2 children")
    return (f"Median percent change at one year: {median['median']:.1f}%\n"
            f"{interval} (n = {n}{seeded})")


def describe_test(label: str, test: dict) -> str:
    """A released test of a table of counts (``release.texts["between_types"]``) as a sentence
    that names its method and, when it is coarser than usual, why.

    Examples
    --------
    >>> describe_test("Responders by group", {"p_value": 0.0123, "testable": True,
    ...                                       "note": "Fisher's exact test", "rule": ""})
    "Responders by group: p = 0.012 (Fisher's exact test)"
    >>> print(describe_test("Responders by group", {"p_value": ">=0.05", "testable": True,
    ...       "note": "Fisher's exact test", "rule": "shown as a bracket"}))
    Responders by group: p ≥ 0.05 (Fisher's exact test; shown as a bracket)
    """
    if not test["testable"]:
        return f"{label}: not testable ({test['note']})"
    if test["p_value"] == SUPPRESSED:
        return f"{label}: not shown ({test['rule']})"
    rule = f"; {test['rule']}" if test.get("rule", "").startswith("shown as a bracket") else ""
    return f"{label}: {p_words(test['p_value'])} ({test['note'] or 'exact'}{rule})"


def plain_table(table: pd.DataFrame, columns: list[str] | None = None,
                decimals: int = 3) -> str:
    """A released table as rounded plain text, for the cells whose output nbval compares.

    Examples
    --------
    >>> print(plain_table(pd.DataFrame({"group": ["a"], "n": [3], "p_value": [0.01234]})))
    group  n  p_value
        a  3    0.012
    """
    shown = table[columns] if columns is not None else table
    return shown.map(lambda v: round(v, decimals) if isinstance(v, float) else v).to_string(
        index=False)


def age_summary(release: Release) -> str:
    """Ages as the study reported them: range, mean and SD (n - 1 in the denominator).

    With disclosure control on, the exact youngest and oldest ages (each one child's) are not
    shown: children per 5-year band instead, as released.
    """
    ages = release.texts["age"]
    if not ages["present"]:
        return "This cohort has no ages (column age_years), so the age summary is skipped."
    n, mean, sd = ages["n"], ages["mean"], ages["sd"]
    spread = (f"mean {mean:.1f}, SD {sd:.2f}" if is_number(mean) and is_number(sd)
              else f"mean {mean:.1f}, SD not shown" if is_number(mean)
              else "mean and SD not shown (too few children with an age)")
    if release.min_cell_count <= 0:
        return f"Age (n = {n}): range {ages['min']:.1f} to {ages['max']:.1f} years, " + spread
    bands = ", ".join(f"{band}: {value}" for band, value in ages["bands"].items())
    return (f"Age (n = {n}): {spread}; exact youngest and oldest ages not shown (disclosure "
            f"control). Children per age band (years): {bands}")


def asm_summary(release: Release) -> str:
    """Antiseizure medications per child before IVIG and at one year: mean and SD, with the
    lowest and highest counts only when disclosure control is off (they describe one child)."""
    rows = []
    for row in release.texts["asm_summary"]:
        label, n = row["label"], row["n"]
        if not is_number(row["mean"]):
            rows.append(f"ASMs {label} (n = {n}): not shown")
            continue
        sd = f"SD {row['sd']:.1f}" if is_number(row["sd"]) else "SD not shown"
        text = f"ASMs {label} (n = {n}): mean {row['mean']:.1f}, {sd}"
        if "fewest" in row:
            text += f", fewest {row['fewest']:.0f}, most {row['most']:.0f}"
        rows.append(text)
    return "\n".join(rows)


def versions() -> str:
    """Versions of Python and of the packages behind the numbers (a watermark)."""
    import platform
    from importlib.metadata import version

    names = ("ivig_helpers", "numpy", "pandas", "scipy", "statsmodels", "tableone", "seaborn",
             "matplotlib", "papermill")
    return f"Python {platform.python_version()}; " + ", ".join(
        f"{n} {version(n)}" for n in names)


def specifications_note(release: Release) -> str:
    """Why notebook 6 draws no specification curve, in plain words, or "" when it draws one:
    with disclosure control on the analyses are withheld (their most extreme p-values, exact
    tests of a few children, could give hidden counts back); with it off, none gave a p-value.
    Says what the reader can still see: the summary per family when it is released."""
    curve = release.table("specifications")
    if "p_value" in curve and curve["p_value"].map(is_number).any():  # as the figure reads it
        return ""  # a p-value to draw: the figure says it
    families = release.table("specification_families")
    if release.min_cell_count > 0:
        what = ("the analyses of this section, one by one" if len(families) else
                "the analyses of this section, one by one and summed up per family")
        rest = ("The summary per family below is released." if len(families) else
                "The other sections of this page show what disclosure control allows.")
        return (f"No figure here: disclosure control withholds {what}, because the most extreme "
                "of their p-values, exact tests of a few children, could give hidden counts "
                f"back. {rest}")
    if len(curve):
        return ("No figure here: no analysis of this section gives a p-value on this cohort; "
                "the table below says why for each.")
    return "No figure here: no analysis of this section could be computed on this cohort."


def scorecard_summary(card: pd.DataFrame) -> str:
    """How many published numbers matched, and which did not or are not shown, each named by
    what was published (its description), not by the key of ``published_targets.csv``.

    Examples
    --------
    >>> card = pd.DataFrame({"quantity": ["n_patients", "age_min", "responders"],
    ...                      "description": ["Patients in the analysis", "Youngest age, years",
    ...                                      "Responders"], "match": [False, None, True]})
    >>> print(scorecard_summary(card))
    1 of 3 published numbers matched at the published precision
    Not matched: Patients in the analysis
    Not shown (disclosure control): Youngest age, years
    """
    lines = [f"{int((card['match'] == True).sum())} of {len(card)} published numbers "  # noqa: E712
             "matched at the published precision"]
    missed = card.loc[card["match"] == False, "description"]  # noqa: E712
    if len(missed):
        lines.append("Not matched: " + "; ".join(missed))
    withheld = card.loc[card["match"].isna(), "description"]
    if len(withheld):
        lines.append("Not shown (disclosure control): " + "; ".join(withheld))
    return "\n".join(lines)


def scorecard_view(card: pd.DataFrame):
    """The scorecard for reading: numbers at the published precision, plain yes/no, no index.

    p-values are shown with up to three decimals (one digit with disclosure control on, as
    released); a number that could not
    be computed on this cohort reads "not available". Each percentage has this cohort's exact
    interval beside it, and whether the published value falls inside it: on another centre's
    cohort that says more than a bare match.
    """
    from .results import load_published

    published = load_published().set_index("quantity")

    def shown(value, quantity, is_published=False):
        if isinstance(value, str):
            return value  # already suppressed
        if pd.isna(value):
            return "not available"
        if is_published and published.loc[quantity, "rule"] == "at_least":
            # the study gave no number; its level, whatever alpha this run uses
            return f"not significant (p ≥ {value:g}, the study's level)"
        if quantity.endswith("_p"):  # no more digits than the p-value was released with
            return p_text(value)
        return f"{value:.{int(published.loc[quantity, 'decimals'])}f}"

    view = pd.DataFrame({
        "what was published": card["description"],
        "published": [shown(v, q, True) for v, q in zip(card["published"], card["quantity"],
                                                         strict=True)],
        "this cohort": [shown(v, q) for v, q in zip(card["reproduced"], card["quantity"],
                                                     strict=True)],
        "match": card["match"].map(lambda m: {True: "yes", False: "no"}.get(m, "not shown")),
        "this cohort's CI": [f"{low:.1f} to {high:.1f}" if pd.notna(low) else ""
                             for low, high in zip(card["ci_low"], card["ci_high"], strict=True)],
        "published inside it?": card["published_inside_ci"].map(
            lambda m: {True: "yes", False: "no"}.get(m, "")),
    })
    if card["source"].astype(bool).any():  # the bundled synthetic cohort: say where each is from
        view["on this synthetic cohort"] = card["source"]
    from IPython.display import HTML

    # a fixed uuid and plain HTML: a Styler's ids and repr change on every run otherwise
    styled = view.style.set_uuid("scorecard").hide(axis="index").set_properties(
        subset=["what was published"], **{"text-align": "left"}).set_table_attributes(
        'class="ivig-table"')
    return HTML(styled.to_html())

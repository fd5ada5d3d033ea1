"""What a notebook shows: the source of the data, Table 1, rates and tables as plain text.

Privacy by default: a notebook run on anything but the bundled synthetic cohort shows no patient
rows and no identifiers; with ``min_cell_count`` set, every number shown passes through
:mod:`ivig_helpers.privacy` (small counts hidden, other counts rounded, statistics gated).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import re
import warnings
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
from tableone import TableOne

from .contract import SEIZURE_TYPES, Cohort, load_cohort
from .narrative import p_text, p_words, run_statement
from .parameters import SHARED_FOLDER_VARIABLE
from .privacy import (
    SUPPRESSED,
    age_bands,
    is_number,
    mode_statement,
    protect_margin,
    release_count,
    release_parts,
    release_rate,
    release_results,
    release_statistic,
    release_table,
    release_table_test,
    shown_count,
)

TABLE_ONE_LABELS = {
    "age_years": "Age, years",
    "sex": "Sex",
    "etiology": "Etiology",
    "baseline_seizures_per_month": "Seizures per 28 days, before IVIG",
    "month3_seizures_per_month": "Seizures per 28 days, 3 months",
    "month12_seizures_per_month": "Seizures per 28 days, 1 year",
    "asm_count_baseline": "Antiseizure medications, before IVIG",
    "asm_count_month12": "Antiseizure medications, 1 year",
}
NON_NORMAL = ("baseline_seizures_per_month", "month3_seizures_per_month",
              "month12_seizures_per_month")
CATEGORICAL = ("sex", "etiology")
# Above this many rows Table 1 comes from one sort by group and numpy (the same cells as tableone,
# checked in tests/test_reporting.py). tableone costs about 0.15 s + 12 us a row (0.4 s at 20,000,
# 1.3 s at 10^5, 12 to 28 s at 10^6): up to the limit the reference library stays the builder
# for well under half a second, so every cohort of a real study's size is built by it.
TABLE_ONE_TABLEONE_LIMIT = 20_000


def source_note(cohort: Cohort, min_cell_count: int = 0) -> str:
    """One sentence saying which data a notebook is showing (the size as released)."""
    if cohort.is_bundled:
        return (f"Data: {cohort.file_name}, the bundled SYNTHETIC cohort of {len(cohort.table)} "
                "made-up patients (no real patient records).")
    size = shown_count(len(cohort.table), min_cell_count)
    rounded = " (rounded to the nearest 5)" if min_cell_count > 0 else ""
    return (f"Data: {cohort.file_name}, {size} patients{rounded}. Patient rows and "
            "identifiers are not shown for this cohort.")


def preview_rows(cohort: Cohort, n: int = 5) -> pd.DataFrame | None:
    """The first rows of the bundled synthetic cohort; for any other cohort, a sentence instead."""
    if cohort.is_bundled:
        return cohort.table.head(n)
    print("Rows of this cohort are not shown (private by default); see the summaries below.")
    return None


def table_one(table: pd.DataFrame, by: str = "seizure_type",
              min_cell_count: int = 0) -> pd.DataFrame:
    """Table 1 of the cohort, overall and by seizure type, as clinical papers print it.

    Numbers are mean (SD) for age and medication counts, median [Q1,Q3] for seizure frequencies
    (skewed), n (%) for categories, with a column of missing values. Built with ``tableone`` up
    to :data:`TABLE_ONE_TABLEONE_LIMIT` rows, above it with numpy on the rows sorted by group
    (the same table, cell for cell).

    Returns
    -------
    DataFrame
        The table as text cells, counts below ``min_cell_count`` shown as ``<N``.
    """
    columns = [c for c in TABLE_ONE_LABELS if c in table and table[c].notna().any()]
    data = table[columns + [by]].copy()
    present = [t for t in SEIZURE_TYPES if (data[by] == t).any()]
    data[by] = pd.Categorical(data[by].astype(object), categories=present)
    if len(data) > TABLE_ONE_TABLEONE_LIMIT:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a group of blanks shows nan
            shown = _table_one_by_group(data, columns, by, present)
        return _release_table_one(shown, min_cell_count)
    for c in CATEGORICAL:
        if c in data:
            data[c] = data[c].astype(object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a group of blanks: tableone shows nan
        warnings.simplefilter("ignore", DeprecationWarning)  # pandas 4 notices inside tableone
        result = _table_one(data, columns, by, present)
    shown = result.tableone.copy()
    shown.columns = [c[-1] if isinstance(c, tuple) else c for c in shown.columns]
    shown = shown.rename(columns={t: t.capitalize() for t in present})
    return _release_table_one(shown, min_cell_count)


def _release_table_one(shown: pd.DataFrame, min_cell_count: int) -> pd.DataFrame:
    """Table 1 as it may be shown: every count released, percents of the released group size,
    a group of fewer than N children reduced to its redacted size, and no hidden count pinned
    by the margins (each row against Overall, each variable's levels against the group size)."""
    if min_cell_count <= 0:
        return shown
    groups = [c for c in shown.columns if c != "Missing"]
    raw = pd.DataFrame(index=shown.index, columns=shown.columns, dtype=object)
    for column in shown.columns:  # the count of each "k (p)" cell and of the n row
        raw[column] = [int(str(v).split(" (")[0]) if re.match(r"^\d+( \(|$)", str(v).strip())
                       and (i == 0 or " (" in str(v) or column == "Missing") else None
                       for i, v in enumerate(shown[column])]
    released = raw.map(lambda v: release_count(v, min_cell_count) if pd.notna(v) else None)
    variables = [i for i, key in enumerate(shown.index) if raw.iloc[i][groups].notna().all()]
    changed = True
    while changed:  # withholding a cell can pin another: repeat until nothing changes
        changed = False
        for i in variables:  # rows: the seizure types add up to Overall
            row = released.iloc[i]
            parts = [row[c] for c in groups[1:]]
            if protect_margin(row[groups[0]], parts, list(raw.iloc[i][groups[1:]]),
                              min_cell_count):
                released.iloc[i, [released.columns.get_loc(c) for c in groups[1:]]] = parts
                changed = True
        for name in dict.fromkeys(key[0] for key in shown.index[1:]):
            rows = [i for i in variables if shown.index[i][0] == name]
            if not rows:  # a continuous variable: no counts
                continue
            for column in groups:  # columns: a variable's levels make n (blanks are a level
                # of their own, "None", shown when there are any: a reader knows them too)
                parts = [released.iloc[i][column] for i in rows]
                truth = [raw.iloc[i][column] for i in rows]
                if protect_margin(released.iloc[0][column], parts, truth, min_cell_count):
                    for i, value in zip(rows, parts, strict=False):
                        released.iloc[i, released.columns.get_loc(column)] = value
                    changed = True
    out = shown.astype(object).copy()
    for column in shown.columns:
        column_n = released.iloc[0][column]
        column_n = int(column_n) if is_number(column_n) else column_n
        for i, value in enumerate(shown[column]):
            if pd.isna(raw.iloc[i][column]) or i == 0:
                continue
            count = released.iloc[i][column]
            count = int(count) if is_number(count) else count
            if " (" not in str(value):
                out.iloc[i, out.columns.get_loc(column)] = str(count)
            elif is_number(count) and is_number(column_n) and column_n:
                out.iloc[i, out.columns.get_loc(column)] = f"{count} ({100 * count / column_n:.1f})"
            else:
                out.iloc[i, out.columns.get_loc(column)] = str(count) if not is_number(
                    count) else f"{count} ({SUPPRESSED})"
        if column in groups and not is_number(column_n):
            out[column] = SUPPRESSED  # a summary of fewer than N children describes them
        if column_n is not None and not pd.isna(column_n):
            out.iloc[0, out.columns.get_loc(column)] = str(column_n)
    return out


# The tables start_notebook returned in this kernel, by id: (weak reference, what they were
# loaded from). Results are shared between notebooks only for a cohort as it was loaded.
_AS_LOADED: dict[int, tuple] = {}


def _computed_once(name: str, key: tuple, compute):
    """``compute()``, done once per run of the collection: under the runner, the first notebook
    to ask computes it and leaves a copy in the run's private folder (under a lock, so the
    others wait for it); every other notebook reads that copy. Elsewhere (JupyterLab, nbval)
    simply ``compute()``."""
    folder = os.environ.get(SHARED_FOLDER_VARIABLE)
    if not folder or key is None:
        return compute()
    stem = Path(folder) / f"{name}-{hashlib.sha256(repr(key).encode()).hexdigest()[:20]}"
    done = stem.with_suffix(".pickle")
    with open(stem.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if done.is_file():
            return pickle.loads(done.read_bytes())
        value = compute()
        part = stem.with_suffix(".part")
        part.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(part, done)
        return value


def _loaded_key(cohort: Cohort) -> tuple | None:
    """What ``cohort`` was loaded from, if it is the table start_notebook returned."""
    ref, key = _AS_LOADED.get(id(cohort.table), (None, None))
    return key if ref is not None and ref() is cohort.table else None


def start_notebook(data_path: str, responder_threshold: float = 0.5,
                   missing_followup: str = "nonresponder", min_cell_count: int = 0,
                   alpha: float = 0.05, seed: int = 2024) -> tuple[Cohort, pd.DataFrame]:
    """Load and check the cohort, add the outcomes, set the figure style, say what data these are.

    Every notebook starts with this call, so that all of them read the file the same way. For
    any file but the bundled synthetic cohort, ``patient_id`` is dropped once the file has been
    checked: no table, figure or result of the notebooks can then show an identifier.

    Returns
    -------
    (Cohort, DataFrame)
        The checked cohort and the table of :func:`ivig_helpers.add_outcomes`.
    """
    from .outcomes import add_outcomes
    from .plots import setup_style

    def load():
        cohort = load_cohort(data_path)
        if not cohort.is_bundled:  # private by default: past the checks, no identifier is kept
            cohort.table = cohort.table.drop(columns="patient_id")
        return cohort, add_outcomes(cohort.table, responder_threshold, missing_followup)

    file = Path(data_path).resolve()
    stat = file.stat() if file.is_file() else None
    key = (str(file), stat.st_size, stat.st_mtime_ns) if stat else None
    cohort, patients = _computed_once(
        "cohort", key and (*key, responder_threshold, missing_followup), load)
    if key:
        _AS_LOADED[id(cohort.table)] = (weakref.ref(cohort.table), key)
    setup_style()
    from IPython.display import Markdown, display

    display(Markdown(source_note(cohort, min_cell_count) + "\n\n"
                     + run_statement(responder_threshold, missing_followup, alpha, seed)
                     + "\n\n" + mode_statement(min_cell_count, cohort.is_bundled)))
    for note in cohort.notes:
        print(note)
    return cohort, patients


def run_results(cohort: Cohort, responder_threshold: float = 0.5,
                missing_followup: str = "nonresponder", min_cell_count: int = 0,
                seed: int = 2024, alpha: float = 0.05) -> dict:
    """The headline results of this run as they may be shown: computed once by
    :func:`ivig_helpers.compute_results`, then released (:func:`ivig_helpers.release_results`).
    The sentences of every notebook are written from this."""
    from .results import compute_results

    def compute():
        results = compute_results(cohort.table, responder_threshold, missing_followup, seed,
                                  alpha)
        return {"min_cell_count": min_cell_count, "bundled_synthetic_cohort": cohort.is_bundled,
                **release_results(results, min_cell_count)}

    key = _loaded_key(cohort)
    return _computed_once("results", key and (*key, responder_threshold, missing_followup,
                                              min_cell_count, seed, alpha), compute)


def run_appraisal(cohort: Cohort, responder_threshold: float = 0.5,
                  missing_followup: str = "nonresponder", min_cell_count: int = 0,
                  seed: int = 2024, alpha: float = 0.05) -> dict:
    """The appraisal's numbers of this run as they may be shown
    (:func:`ivig_helpers.appraisal.appraisal_results`), computed once per run like
    :func:`run_results`."""
    from .appraisal import appraisal_results

    key = _loaded_key(cohort)
    return _computed_once(
        "appraisal", key and (*key, responder_threshold, missing_followup, min_cell_count, seed,
                              alpha),
        lambda: appraisal_results(cohort.table, responder_threshold, missing_followup, alpha,
                                  seed, min_cell_count))


def count_table(table: pd.DataFrame, column: str, min_cell_count: int = 0) -> pd.DataFrame:
    """Patients per category: ``column``, ``n`` and ``percent`` of all rows (small counts as <N).

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT
    >>> count_table(load_cohort(BUNDLED_COHORT).table, "seizure_type").round(1).values.tolist()
    [['focal', 23, 38.3], ['generalized', 22, 36.7], ['both', 15, 25.0]]
    """
    counts = table[column].value_counts(sort=False)
    if isinstance(table[column].dtype, pd.CategoricalDtype):
        counts = counts[counts > 0]
    total, shown = release_parts(len(table), [int(c) for c in counts.to_numpy()],
                                 min_cell_count)
    return pd.DataFrame({column: counts.index.astype(str), "n": shown,
                         "percent": [100 * c / total if is_number(c) and is_number(total)
                                     and total else SUPPRESSED for c in shown]})


def level_words(confidence: float) -> str:
    """A confidence level as a percentage ("95%").

    Examples
    --------
    >>> level_words(1 - 0.05), level_words(0.9)
    ('95%', '90%')
    """
    return f"{100 * confidence:g}%"


def describe_rate(label: str, row: pd.Series, min_cell_count: int = 0,
                  interval: str = "exact", confidence: float = 0.95) -> str:
    """One row of :func:`ivig_helpers.rate_table` as a plain sentence, rounded for reading.

    ``interval`` is "exact" (Clopper-Pearson) or "wilson".

    Examples
    --------
    >>> row = pd.Series({"events": 22, "n": 60, "exact_low": 0.2459, "exact_high": 0.5010})
    >>> describe_rate("Responders", row)
    'Responders: 22 of 60 (36.7%), exact 95% CI 24.6% to 50.1%'
    """
    if int(row["n"]) == 0:
        return f"{label}: no patients"
    rate = release_rate(int(row["events"]), int(row["n"]), min_cell_count, confidence)
    events, n = rate["events"], rate["n"]
    if not is_number(rate["rate"]):
        return f"{label}: {events} of {n} (suppressed: fewer than {min_cell_count})"
    low, high = rate[f"{interval}_low"], rate[f"{interval}_high"]
    name = {"exact": "exact", "wilson": "Wilson"}[interval]
    rounded = ", counts rounded to the nearest 5" if min_cell_count > 0 else ""
    return (f"{label}: {events} of {n} ({100 * rate['rate']:.1f}%{rounded}), {name} "
            f"{level_words(confidence)} CI "
            f"{100 * low:.1f}% to {100 * high:.1f}%")


COLUMN_WORDS = {
    "group": "Group", "seizure_type": "Seizure type", "threshold": "A responder has at least",
    "test": "Test", "n": "Children", "events": "With the outcome", "n_changed": "Changed",
    "median_before": "Median before", "median_after": "Median at one year",
    "statistic": "Statistic", "p_value": "p", "note": "Note", "rate": "Rate",
    "percent": "Share of children", "p_adjusted": "p, Holm-adjusted", "odds_ratio": "Odds ratio",
    "ci": "95% CI", "method": "Method", "specification": "Analysis", "benchmark": "Compared with",
    "benchmark_rate": "Their rate", "power": "Power", "n_per_arm": "Children per arm",
}
"""Column headings in words, for the tables a reader sees."""


def result_table(table: pd.DataFrame, columns: list[str] | None = None,
                 counts: tuple[str, ...] = (), min_cell_count: int = 0, partition: bool = False,
                 confidence: float = 0.95, names: dict | None = None):
    """A result table for reading: released like every number (see :func:`plain_table`), rates
    as percentages, an exact interval as one "a% to b%" column, p-values with up to three
    decimals, medians with one,
    headings in words (``names`` adds or overrides some), no index.

    Returns an HTML display object (with a fixed id, so that re-running changes nothing).
    """
    from IPython.display import HTML

    released = release_table(table, min_cell_count, list(counts), depends_on="counts",
                             partition=partition, confidence=confidence)
    columns = list(columns if columns is not None else released.columns)
    shown = pd.DataFrame(index=released.index)
    for column in columns:
        if column == "exact_high":
            continue
        values = released[column]
        if column == "exact_low":
            shown[f"Exact {level_words(confidence)} CI"] = [
                f"{100 * low:.1f}% to {100 * high:.1f}%" if is_number(low) and is_number(high)
                and pd.notna(low) else ("" if not isinstance(low, str) else low)
                for low, high in zip(values, released["exact_high"], strict=True)]
            continue
        heading = {**COLUMN_WORDS, **(names or {})}.get(column, column)
        if column in ("rate", "threshold"):
            shown[heading] = [f"{100 * v:.1f}%" if is_number(v) and pd.notna(v) else
                              ("" if not isinstance(v, str) else v) for v in values]
        elif column == "percent":
            shown[heading] = [f"{v:.1f}%" if is_number(v) else v for v in values]
        elif column in counts or column in ("n", "events", "n_changed", "n_per_arm"):
            shown[heading] = [int(v) if is_number(v) and pd.notna(v) else
                              ("" if not isinstance(v, str) else v) for v in values]
        elif pd.api.types.is_numeric_dtype(table[column]) and not pd.api.types.is_integer_dtype(
                table[column]) or column.startswith("p_"):
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


def describe_median(row: pd.Series, min_cell_count: int = 0, seed: int | None = None,
                    confidence: float = 0.95) -> str:
    """A row of :func:`ivig_helpers.median_change_interval` as two plain lines (withheld when
    fewer than ``min_cell_count`` children have a value).

    Examples
    --------
    >>> print(describe_median(pd.Series({"n": 40, "median": -31.25, "ci_low": -50.0,
    ...                                  "ci_high": -12.5}), seed=1))
    Median percent change at one year: -31.2%
    Bootstrap 95% CI: -50.0% to -12.5% (n = 40, seed 1)
    """
    n = int(row["n"])
    if n == 0:
        return "Median percent change at one year: no child has one-year follow-up"
    median = release_statistic(row["median"], [n], min_cell_count)
    if not is_number(median):
        return (f"Median percent change at one year: not shown (n = "
                f"{shown_count(n, min_cell_count)}, fewer than {min_cell_count} children)")
    bootstrap = row.get("method", "bootstrap") == "bootstrap"
    seeded = f", seed {seed}" if seed is not None and bootstrap else ""
    label = (f"Bootstrap {level_words(confidence)} CI" if bootstrap else
             f"Distribution-free (order-statistic) {level_words(confidence)} CI")
    interval = (f"{label}: {row['ci_low']:.1f}% to {row['ci_high']:.1f}%"
                if pd.notna(row["ci_low"]) else f"{label}: needs at least 2 children")
    return (f"Median percent change at one year: {median:.1f}%\n"
            f"{interval} (n = {shown_count(n, min_cell_count)}{seeded})")


def describe_test(label: str, row: pd.Series, min_cell_count: int = 0) -> str:
    """One test of :func:`ivig_helpers.fisher_exact` as a sentence that names its method, or
    why it is not shown (a table cell of fewer than ``min_cell_count`` children). With
    disclosure control on, the test is of the rounded counts
    (:func:`ivig_helpers.privacy.release_table_test`).

    Examples
    --------
    >>> row = pd.Series({"p_value": 0.0123, "testable": True, "table": [[3, 9], [8, 2]],
    ...                  "note": ""})
    >>> describe_test("Responders by group", row)
    'Responders by group: p = 0.012 (exact)'
    >>> describe_test("Responders by group", row, 5)[:44]
    'Responders by group: not shown (a cell of th'
    >>> describe_test("Responders", pd.Series({**row, "table": [[17, 8], [9, 11]]}), 5)
    "Responders: p = 0.6 (Fisher's exact test, of the counts rounded to 5)"
    """
    if not row["testable"]:
        return f"{label}: not testable ({row['note']})"
    test = release_table_test(row["table"], min_cell_count) if min_cell_count > 0 else row
    if test["p_value"] == SUPPRESSED:
        return (f"{label}: not shown (a cell of the table has fewer than {min_cell_count} "
                "children)")
    return f"{label}: {p_words(test['p_value'])} ({test['note'] or 'exact'})"


def plain_table(table: pd.DataFrame, columns: list[str] | None = None,
                counts: tuple[str, ...] = (), min_cell_count: int = 0, decimals: int = 3,
                partition: bool = False, confidence: float = 0.95) -> str:
    """A result table as rounded plain text, for the cells whose output nbval compares.

    ``counts`` names the count columns that ``min_cell_count`` releases; ``partition`` says that
    the rows split one whole, such as the seizure types (see
    :func:`ivig_helpers.privacy.release_table`).

    Examples
    --------
    >>> print(plain_table(pd.DataFrame({"group": ["a"], "n": [3], "p_value": [0.01234]})))
    group  n  p_value
        a  3    0.012
    """
    released = release_table(table, min_cell_count, list(counts), depends_on="counts",
                             partition=partition, confidence=confidence)
    shown = released[columns] if columns is not None else released
    return shown.map(lambda v: round(v, decimals) if isinstance(v, float) else v).to_string(
        index=False)


def age_summary(table: pd.DataFrame, min_cell_count: int = 0) -> str:
    """Ages as the study reported them: range, mean and SD (n - 1 in the denominator).

    With disclosure control on, the exact youngest and oldest ages (each one child's) are not
    shown: children per 5-year band instead, released like every count.
    """
    if "age_years" not in table or table["age_years"].isna().all():
        return "This cohort has no ages (column age_years), so the age summary is skipped."
    ages = table["age_years"].dropna()
    n = release_count(len(ages), min_cell_count)
    if min_cell_count <= 0:
        return (f"Age (n = {n}): range {ages.min():.1f} to {ages.max():.1f} years, "
                f"mean {ages.mean():.1f}, SD {ages.std(ddof=1):.2f}")
    if not is_number(n):
        return f"Age (n = {n}): not shown (fewer than {min_cell_count} children with an age)"
    counts = age_bands(ages)  # with the total shown: a band it would give away is withheld
    shown = release_parts(len(ages), [int(c) for c in counts], min_cell_count)[1]
    bands = ", ".join(f"{band}: {value}" for band, value in zip(counts.index, shown, strict=True))
    return (f"Age (n = {n}): mean {ages.mean():.1f}, SD {ages.std(ddof=1):.2f}; exact youngest "
            f"and oldest ages not shown (disclosure control). Children per age band (years): "
            f"{bands}")


def asm_summary(with_change: pd.DataFrame, min_cell_count: int = 0) -> str:
    """Antiseizure medications per child before IVIG and at one year: mean and SD, with the
    lowest and highest counts only when disclosure control is off (they describe one child)."""
    rows = []
    for column, label in (("asm_count_baseline", "before IVIG"),
                          ("asm_count_month12", "at one year")):
        values = with_change[column].dropna()
        n = release_count(len(values), min_cell_count)
        if not is_number(n):
            rows.append(f"ASMs {label} (n = {n}): not shown")
            continue
        text = f"ASMs {label} (n = {n}): mean {values.mean():.1f}, SD {values.std(ddof=1):.1f}"
        if min_cell_count <= 0:
            text += f", fewest {values.min():.0f}, most {values.max():.0f}"
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


def _table_one(data: pd.DataFrame, columns: list[str], by: str, present: list[str]) -> TableOne:
    return TableOne(data, columns=columns, categorical=[c for c in CATEGORICAL if c in columns],
                    nonnormal=[c for c in NON_NORMAL if c in columns], groupby=by,
                    order={by: present}, rename=TABLE_ONE_LABELS, missing=True, overall=True,
                    pval=False, decimals=1)


def _table_one_by_group(data: pd.DataFrame, columns: list[str], by: str,
                        present: list[str]) -> pd.DataFrame:
    """Table 1 as :func:`table_one` shapes tableone's, from the rows sorted once by group.

    Every number is the numpy call tableone makes (nanmedian, nanpercentile, nanmean, nanstd
    with ddof 1, counts over n times 100) on the same values in the same order, written with
    the same 1 decimal, so every cell is the same text. ``data[by]`` is categorical with the
    categories ``present``.
    """
    group_codes = data[by].cat.codes.to_numpy()
    order = np.argsort(group_codes, kind="stable")  # within a group, table order: sums agree
    bounds = np.searchsorted(group_codes[order], np.arange(len(present) + 1))

    def overall_and_groups(values: np.ndarray) -> list[np.ndarray]:
        in_groups = values[order]
        return [values] + [in_groups[bounds[i]:bounds[i + 1]] for i in range(len(present))]

    rows = [("n", "")]
    cells = [["", len(data), *np.diff(bounds)]]
    for name in columns:
        label = TABLE_ONE_LABELS[name]
        if name in CATEGORICAL:
            codes, uniques = pd.factorize(data[name])
            texts = [str(u) for u in uniques] + ["None"]  # tableone's level for a blank
            codes = np.where(codes < 0, len(uniques), codes)
            seen = np.bincount(codes, minlength=len(texts)) > 0
            levels = sorted({t for t, s in zip(texts, seen, strict=True) if s})
            # tableone counts the text of a value: values written alike are one level
            codes = np.array([levels.index(t) if t in levels else 0 for t in texts])[codes]
            counts = [np.bincount(part, minlength=len(levels))
                      for part in overall_and_groups(codes)]
            percents = [k / k.sum() * 100 for k in counts]
            for i, level in enumerate(levels):
                rows.append((f"{label}, n (%)", level))
                cells.append([""] + [f"{k[i]} ({p[i]:.1f})"
                                     for k, p in zip(counts, percents, strict=True)])
            continue
        values = data[name].to_numpy()
        if values.dtype.kind not in "iuf":  # as tableone: numbers only, anything else blank
            values = pd.to_numeric(data[name], errors="coerce").to_numpy(float, na_value=np.nan)
        if name in NON_NORMAL:
            rows.append((f"{label}, median [Q1,Q3]", ""))
            # both quartiles in one call: numpy computes each as it would alone
            text = ["{:.1f} [{:.1f},{:.1f}]".format(np.nanmedian(x), *np.nanpercentile(x, [25, 75]))
                    for x in overall_and_groups(values)]
        else:
            rows.append((f"{label}, mean (SD)", ""))
            text = [f"{np.nanmean(x):.1f} ({0.0 if len(x) == 1 else np.nanstd(x, ddof=1):.1f})"
                    for x in overall_and_groups(values)]
        cells.append([int(data[name].isna().sum()), *text])
    columns_shown = ["Missing", "Overall", *(t.capitalize() for t in present)]
    return pd.DataFrame(cells, index=pd.MultiIndex.from_tuples(rows), columns=columns_shown,
                        dtype=object)

"""What a notebook shows: the source of the data, Table 1, rates and tables as plain text.

Privacy by default: a notebook run on anything but the bundled synthetic cohort shows no patient
rows and no identifiers; small counts are hidden by :mod:`ivig_helpers.privacy`.
"""

from __future__ import annotations

import warnings

import pandas as pd
from tableone import TableOne

from .contract import SEIZURE_TYPES, Cohort, load_cohort
from .privacy import SUPPRESSED, is_small, shown_count, suppress_counts

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


def source_note(cohort: Cohort) -> str:
    """One sentence saying which data a notebook is showing."""
    if cohort.is_bundled:
        return (f"Data: {cohort.file_name}, the bundled SYNTHETIC cohort of {len(cohort.table)} "
                "made-up patients (no real patient records).")
    return (f"Data: {cohort.file_name}, {len(cohort.table)} patients. Patient rows and "
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
    (skewed), n (%) for categories, with a column of missing values. Built with ``tableone``.

    Returns
    -------
    DataFrame
        The table as text cells, counts below ``min_cell_count`` shown as ``<N``.
    """
    columns = [c for c in TABLE_ONE_LABELS if c in table and table[c].notna().any()]
    data = table[columns + [by]].copy()
    present = [t for t in SEIZURE_TYPES if (data[by] == t).any()]
    data[by] = pd.Categorical(data[by].astype(object), categories=present)
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
    if min_cell_count > 0:  # a summary of fewer than N children describes them one by one
        sizes = pd.to_numeric(shown.iloc[0], errors="coerce")  # the row "n"
        for column in sizes.index[is_small(sizes, min_cell_count)]:
            shown[column] = SUPPRESSED
            shown.iloc[0, shown.columns.get_loc(column)] = f"<{min_cell_count}"
    return suppress_counts(shown, min_cell_count)


def start_notebook(data_path: str, responder_threshold: float = 0.5,
                   missing_followup: str = "nonresponder") -> tuple[Cohort, pd.DataFrame]:
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

    cohort = load_cohort(data_path)
    if not cohort.is_bundled:  # private by default: past the checks, no identifier is kept
        cohort.table = cohort.table.drop(columns="patient_id")
    setup_style()
    print(source_note(cohort))
    for note in cohort.notes:
        print(note)
    return cohort, add_outcomes(cohort.table, responder_threshold, missing_followup)


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
    result = pd.DataFrame({column: counts.index.astype(str), "n": counts.to_numpy().astype(int),
                           "percent": 100 * counts.to_numpy() / len(table)})
    return suppress_counts(result, min_cell_count, ["n"])  # and the percent of a hidden n


def describe_rate(label: str, row: pd.Series, min_cell_count: int = 0,
                  interval: str = "exact") -> str:
    """One row of :func:`ivig_helpers.rate_table` as a plain sentence, rounded for reading.

    ``interval`` is "exact" (Clopper-Pearson) or "wilson".

    Examples
    --------
    >>> row = pd.Series({"events": 22, "n": 60, "exact_low": 0.2459, "exact_high": 0.5010})
    >>> describe_rate("Responders", row)
    'Responders: 22 of 60 (36.7%), exact 95% CI 24.6% to 50.1%'
    """
    events, n = int(row["events"]), int(row["n"])
    if n == 0:
        return f"{label}: no patients"
    if is_small(events, min_cell_count) or is_small(n, min_cell_count):
        return (f"{label}: {shown_count(events, min_cell_count)} of "
                f"{shown_count(n, min_cell_count)} (suppressed: fewer than {min_cell_count})")
    low, high = row[f"{interval}_low"], row[f"{interval}_high"]
    name = {"exact": "exact", "wilson": "Wilson"}[interval]
    return (f"{label}: {events} of {n} ({100 * events / n:.1f}%), {name} 95% CI "
            f"{100 * low:.1f}% to {100 * high:.1f}%")


def plain_table(table: pd.DataFrame, columns: list[str] | None = None,
                counts: tuple[str, ...] = (), min_cell_count: int = 0, decimals: int = 3) -> str:
    """A result table as rounded plain text, for the cells whose output nbval compares.

    ``counts`` names the count columns that ``min_cell_count`` suppresses.

    Examples
    --------
    >>> print(plain_table(pd.DataFrame({"group": ["a"], "n": [3], "p_value": [0.01234]})))
    group  n  p_value
        a  3    0.012
    """
    shown = table[columns] if columns is not None else table
    return suppress_counts(shown.round(decimals), min_cell_count, list(counts)).to_string(
        index=False)


def age_summary(table: pd.DataFrame) -> str:
    """Ages as the study reported them: range, mean and SD (n - 1 in the denominator)."""
    if "age_years" not in table or table["age_years"].isna().all():
        return "This cohort has no ages (column age_years), so the age summary is skipped."
    ages = table["age_years"].dropna()
    return (f"Age (n = {len(ages)}): range {ages.min():.1f} to {ages.max():.1f} years, "
            f"mean {ages.mean():.1f}, SD {ages.std(ddof=1):.2f}")


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

    p-values of "not significant" claims are shown with three decimals; a number that could not
    be computed on this cohort reads "not available".
    """
    from .results import load_published

    published = load_published().set_index("quantity")

    def shown(value, quantity):
        if isinstance(value, str):
            return value  # already suppressed
        if pd.isna(value):
            return "not available"
        decimals = 3 if published.loc[quantity, "rule"] == "at_least" else int(
            published.loc[quantity, "decimals"])
        return f"{value:.{decimals}f}"

    view = pd.DataFrame({
        "what was published": card["description"],
        "published": [shown(v, q) for v, q in zip(card["published"], card["quantity"],
                                                   strict=True)],
        "this cohort": [shown(v, q) for v, q in zip(card["reproduced"], card["quantity"],
                                                     strict=True)],
        "match": card["match"].map({True: "yes", False: "no"}),
    })
    from IPython.display import HTML

    # a fixed uuid and plain HTML: a Styler's ids and repr change on every run otherwise
    styled = view.style.set_uuid("scorecard").hide(axis="index").set_properties(
        subset=["what was published"], **{"text-align": "left"})
    return HTML(styled.to_html())


def _table_one(data: pd.DataFrame, columns: list[str], by: str, present: list[str]) -> TableOne:
    return TableOne(data, columns=columns, categorical=[c for c in CATEGORICAL if c in columns],
                    nonnormal=[c for c in NON_NORMAL if c in columns], groupby=by,
                    order={by: present}, rename=TABLE_ONE_LABELS, missing=True, overall=True,
                    pval=False, decimals=1)

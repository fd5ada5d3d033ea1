"""Table 1 of a cohort, overall and by seizure type, as clinical papers print it.

The release (:mod:`ivig_helpers.release_tables`) builds it from the rows and releases its cells;
notebooks show the released table.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from tableone import TableOne

from .contract import SEIZURE_TYPES

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


def table_one(table: pd.DataFrame, by: str = "seizure_type") -> pd.DataFrame:
    """Table 1 of the cohort, overall and by seizure type, as clinical papers print it.

    Numbers are mean (SD) for age and medication counts, median [Q1,Q3] for seizure frequencies
    (skewed), n (%) for categories, with a column of missing values. Built with ``tableone`` up
    to :data:`TABLE_ONE_TABLEONE_LIMIT` rows, above it with numpy on the rows sorted by group
    (the same table, cell for cell).

    Returns
    -------
    DataFrame
        The table as text cells, every number exact (the release releases them).
    """
    columns = [c for c in TABLE_ONE_LABELS if c in table and table[c].notna().any()]
    data = table[columns + [by]].copy()
    present = [t for t in SEIZURE_TYPES if (data[by] == t).any()]
    data[by] = pd.Categorical(data[by].astype(object), categories=present)
    if len(data) > TABLE_ONE_TABLEONE_LIMIT:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a group of blanks shows nan
            shown = _table_one_by_group(data, columns, by, present)
        return shown
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
    return shown


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

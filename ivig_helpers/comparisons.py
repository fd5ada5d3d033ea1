"""Paired and subgroup tests: did seizures fall within a group, and do groups differ?

Each function returns one row per test, with the same column names everywhere: ``group``, ``n``,
``statistic``, ``p_value``, ``testable`` and ``note`` (why a test could not be done).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .outcomes import group_levels
from .parameters import RUN_SEED

# The asymptotic signed-rank test without continuity correction that SPSS reports, zeros dropped.
WILCOXON_AS_SPSS = {"zero_method": "wilcox", "correction": False, "method": "approx"}


def _groups(data: pd.DataFrame, by: str | None, columns: list[str] | None = None):
    """The groups of ``data`` by ``by`` (one group "all" without it), holding only ``columns``
    (all when None): a large cohort is not copied column by column for each group."""
    if columns is not None:
        data = data[list(dict.fromkeys([*columns, *([by] if by else [])]))]
    if by is None:
        return [("all", data)]
    return [(str(level), data[data[by] == level]) for level in group_levels(data[by])]


def paired_wilcoxon(data: pd.DataFrame, before: str, after: str,
                    by: str | None = None) -> pd.DataFrame:
    """Wilcoxon signed-rank test of ``after`` against ``before``, within each group.

    This is the asymptotic (normal-approximation) test without continuity correction that SPSS
    reports; pairs with no change are dropped before ranking (``zero_method="wilcox"``), the
    likeliest test behind the study's p = 0.019. Patients missing either value are left out.

    Parameters
    ----------
    data : DataFrame
        One row per patient.
    before, after : str
        The paired columns, for example ``baseline_score`` and ``month12_score``.
    by : str, optional
        Grouping column, for example ``seizure_type``.

    Returns
    -------
    DataFrame
        One row per group: ``group``, ``n`` (complete pairs), ``n_changed`` (pairs that
        differ), ``median_before``, ``median_after``, ``statistic`` (W, the smaller rank sum),
        ``p_value`` (two-sided), ``testable``, ``note``, ``counts`` (pairs, changed, fell, rose:
        the counts disclosure control checks before it shows the test), ``patterns`` (1 when
        every changed pair moved the same way, as for :func:`friedman`).

    Examples
    --------
    >>> from ivig_helpers import load_cohort, add_outcomes, BUNDLED_COHORT
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> result = paired_wilcoxon(patients, "baseline_score", "month12_score", by="seizure_type")
    >>> round(float(result.set_index("group").loc["generalized", "p_value"]), 3)
    0.019
    """
    rows = []
    for name, part in _groups(data, by, [before, after]):
        pairs = part[[before, after]].dropna()
        changed = int((pairs[before] != pairs[after]).sum())
        fell = int((pairs[after] < pairs[before]).sum())
        row = {"group": name, "n": len(pairs), "n_changed": changed,
               "median_before": pairs[before].median(), "median_after": pairs[after].median(),
               "statistic": np.nan, "p_value": np.nan, "testable": False, "note": "",
               # what the test rests on: a p-value of few changed pairs gives their split away
               "counts": [len(pairs), changed, fell, changed - fell],
               # directions among the changed pairs: with one, p depends on their number alone
               "patterns": int(fell > 0) + int(changed - fell > 0)}
        if len(pairs) < 2:
            row["note"] = "fewer than 2 patients with both values"
        elif changed == 0:
            row["note"] = "no patient changed"
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # scipy warns on small n; the note says so
                result = stats.wilcoxon(pairs[before], pairs[after], **WILCOXON_AS_SPSS)
            row.update(statistic=float(result.statistic), p_value=float(result.pvalue),
                       testable=True, note="few pairs: read with care" if changed < 10 else "")
        rows.append(row)
    return pd.DataFrame(rows)


def friedman(data: pd.DataFrame, columns: list[str], by: str | None = None) -> pd.DataFrame:
    """Friedman test across repeated measurements (for example baseline, 3 and 12 months).

    Returns
    -------
    DataFrame
        One row per group: ``group``, ``n`` (patients with every measurement), ``n_changed``
        (those whose values were not all equal), ``patterns`` (how many different orders of
        their measurements the changed patients show: with one, the p-value depends on their
        number alone, and disclosure control withholds it), ``statistic`` (chi-square,
        corrected for ties), ``p_value``, ``testable``, ``note``.
    """
    rows = []
    for name, part in _groups(data, by, list(columns)):
        complete = part[list(columns)].dropna()
        values = complete.to_numpy(dtype=float)
        changed = (values != values[:, :1]).any(axis=1)  # not every measurement the same
        row = {"group": name, "n": len(complete), "n_changed": int(changed.sum()),
               "patterns": _rank_patterns(values[changed]),
               "statistic": np.nan, "p_value": np.nan, "testable": False, "note": ""}
        if len(complete) < 2:
            row["note"] = "fewer than 2 patients with every measurement"
        elif not changed.any():
            row["note"] = "no patient changed"
        else:
            if len(complete) <= FRIEDMAN_SCIPY_LIMIT:
                result = stats.friedmanchisquare(*(complete[c] for c in columns))
                statistic, p_value = float(result.statistic), float(result.pvalue)
            else:
                statistic, p_value = friedman_statistic(values)
            row.update(statistic=statistic, p_value=p_value, testable=True)
        rows.append(row)
    return pd.DataFrame(rows)


def _rank_patterns(values: np.ndarray) -> int:
    """How many different orders (ranks with ties, within each row) the rows of ``values``
    show, counted without a loop over rows.

    Examples
    --------
    >>> _rank_patterns(np.array([[3, 2, 1], [9, 5, 0], [3, 3, 1], [1, 2, 3]], dtype=float))
    3
    """
    n, k = values.shape
    if n == 0:
        return 0
    columns = [values[:, j] for j in range(k)]
    code = np.zeros(n, dtype=np.int64)
    for column in columns:  # twice the mid-rank of each value: a whole number below 2k + 1
        doubled = sum(2 * (other < column) + (other == column) for other in columns)
        code = code * (2 * k + 1) + doubled
    return int(np.unique(code).size)


FRIEDMAN_SCIPY_LIMIT = 5_000
"""Patients up to which :func:`friedman` calls SciPy (which ranks row by row in Python, some 30 s
for a million patients); above, :func:`friedman_statistic` ranks every row at once."""


def friedman_statistic(values: np.ndarray) -> tuple[float, float]:
    """The Friedman chi-square, corrected for ties, and its p-value, for an n x k array (one row
    per patient), with every row ranked at once: the same formula as SciPy's
    ``friedmanchisquare``.

    Examples
    --------
    >>> values = np.array([[3, 2, 1], [3, 1, 2], [3, 2, 2], [2, 2, 1], [3, 1, 1]], dtype=float)
    >>> statistic, p = friedman_statistic(values)
    >>> reference = stats.friedmanchisquare(*values.T)
    >>> bool(np.isclose(statistic, reference.statistic) and np.isclose(p, reference.pvalue))
    True
    """
    values = np.asarray(values, dtype=float)
    n, k = values.shape
    columns = [values[:, j] for j in range(k)]
    rank_sums, ties = np.zeros(k), 0.0
    for j, column in enumerate(columns):  # k is small (time points): loops over columns only
        # the mid-rank of each value within its row: 1 + values below + (equal values - 1) / 2
        below = sum((other < column).astype(np.int64) for other in columns)
        equal = sum((other == column).astype(np.int64) for other in columns)
        rank_sums[j] = n + below.sum() + (equal.sum() - n) / 2
        # ties: each group of t equal values in a row adds t^3 - t; a value in a group of t
        # contributes (t^3 - t) / t = t^2 - 1
        ties += float((equal * equal - 1).sum())
    correction = 1 - ties / (k * (k * k - 1) * n)
    statistic = (12.0 / (k * n * (k + 1)) * float((rank_sums ** 2).sum())
                 - 3 * n * (k + 1)) / correction
    return float(statistic), float(stats.chi2.sf(statistic, k - 1))


ENUMERATION_LIMIT = 2_000_000  # tables; beyond this an exact test would be too slow


def fisher_exact(data: pd.DataFrame, row: str, column: str, seed: int = RUN_SEED,
                 n_resamples: int = 9999) -> pd.DataFrame:
    """Fisher's exact test of association between two categorical columns: the table of their
    counts (as ``pd.crosstab`` gives it) tested by :func:`table_test`.

    Returns
    -------
    DataFrame
        One row: ``n``, ``table`` (the counts, rows by columns, as nested lists), ``statistic``
        (the odds ratio for 2x2, chi-square for the asymptotic test, else NaN), ``p_value``,
        ``testable``, ``method`` ("exact", "asymptotic" or "Monte Carlo"), ``note``.
    """
    return pd.DataFrame([table_test(_counts(data[row], data[column]), seed, n_resamples)])


def _counts(rows: pd.Series, columns: pd.Series) -> np.ndarray:
    """The table of ``pd.crosstab(rows, columns)`` (levels in the same order, missing values
    left out), counted with one ``bincount``: crosstab looks at every value of a million rows in
    Python first.

    Examples
    --------
    >>> rows, columns = pd.Series(["b", "a", "b", None]), pd.Series([True, False, True, True])
    >>> _counts(rows, columns).tolist() == pd.crosstab(rows, columns).to_numpy().tolist()
    True
    """
    row_codes, column_codes = (pd.Categorical(values).codes.astype(np.int64)
                               for values in (rows, columns))
    width = int(column_codes.max(initial=-1)) + 1
    known = (row_codes >= 0) & (column_codes >= 0)
    cells = np.bincount(row_codes[known] * width + column_codes[known],
                        minlength=(int(row_codes.max(initial=-1)) + 1) * width)
    return cells.reshape(-1, width) if width else np.zeros((0, 0), dtype=np.int64)


def table_test(table, seed: int = RUN_SEED, n_resamples: int = 9999) -> dict:
    """Fisher's exact test of a table of counts (rows and columns with no child are dropped).

    The method is chosen by the size of the table, and named in ``note``:

    - 2 x 2: SciPy's exact two-sided test;
    - r x 2 (or 2 x c) with at most :data:`ENUMERATION_LIMIT` tables of the same margins: the
      exact Fisher-Freeman-Halton test, by enumerating every such table;
    - larger tables: the asymptotic chi-square test (Pearson), which holds when the counts are
      large; other small shapes: SciPy's Monte Carlo version, seeded.

    Returns a dict with the columns of :func:`fisher_exact`.

    Examples
    --------
    >>> round(table_test([[3, 1], [1, 3], [0, 0]])["p_value"], 4)
    0.4857
    """
    table = np.asarray(table, dtype=np.int64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    result = {"n": int(table.sum()), "table": table.tolist(), "statistic": np.nan,
              "p_value": np.nan, "testable": False, "method": "", "note": ""}
    if table.ndim < 2 or table.shape[0] < 2 or table.shape[1] < 2:
        result["note"] = "one of the two variables takes a single value: nothing to compare"
    elif table.shape == (2, 2):
        test = stats.fisher_exact(table)
        result.update(statistic=float(test.statistic), p_value=float(test.pvalue),
                      testable=True, method="exact", note="Fisher's exact test")
    elif 2 in table.shape and _tables_to_enumerate(table) <= ENUMERATION_LIMIT:
        result.update(p_value=freeman_halton_exact(table), testable=True, method="exact",
                      note="Fisher-Freeman-Halton exact test, every table with these "
                           "margins enumerated")
    elif 2 in table.shape or table.sum() > 1000:
        chi2 = stats.chi2_contingency(table, correction=False)
        result.update(statistic=float(chi2.statistic), p_value=float(chi2.pvalue),
                      testable=True, method="asymptotic",
                      note="Pearson's chi-square test, asymptotic: too many tables for an "
                           "exact test")
    else:
        method = stats.MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
        test = stats.fisher_exact(table, method=method)
        # SciPy returns a one-element array instead of a number for very small tables
        result.update(p_value=float(np.asarray(test.pvalue).reshape(-1)[0]), testable=True,
                      method="Monte Carlo",
                      note=f"Fisher-Freeman-Halton test, Monte Carlo, {n_resamples} "
                           f"resamples, seed {seed}")
    return result


def _tables_to_enumerate(table: np.ndarray) -> int:
    sizes = table.sum(axis=1) if table.shape[1] == 2 else table.sum(axis=0)
    return int(np.prod([int(s) + 1 for s in sizes[:-1]], dtype=float))


def freeman_halton_exact(table) -> float:
    """Exact p-value of the Fisher-Freeman-Halton test for an r x 2 (or 2 x c) table.

    Every table with the same row and column sums is enumerated; the p-value is the total
    probability (multivariate hypergeometric) of the tables no more likely than the observed one.

    Examples
    --------
    >>> round(freeman_halton_exact([[3, 1], [1, 3]]), 4)  # equals SciPy's 2 x 2 exact test
    0.4857
    """
    from scipy.special import gammaln

    table = np.asarray(table, dtype=int)
    if table.shape[1] != 2:
        table = table.T
    sizes, events = table.sum(axis=1), int(table[:, 0].sum())

    def log_choose(n, k):
        return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)

    # every split of the events over the groups but the last; the last takes the rest
    grids = np.meshgrid(*[np.arange(s + 1) for s in sizes[:-1]], indexing="ij")
    firsts = np.stack([g.ravel() for g in grids]) if grids else np.zeros((0, 1), dtype=int)
    last = events - firsts.sum(axis=0)
    possible = (last >= 0) & (last <= sizes[-1])
    splits = np.vstack([firsts[:, possible], last[possible]])
    log_p = sum(log_choose(s, k) for s, k in zip(sizes, splits, strict=True))
    log_p = log_p - log_choose(sizes.sum(), events)
    observed = sum(log_choose(s, k) for s, k in zip(sizes, table[:, 0], strict=True)) - \
        log_choose(sizes.sum(), events)
    p = np.exp(log_p)
    return float(min(1.0, p[log_p <= observed + 1e-7].sum()))


def holm(p_values: dict) -> dict:
    """Holm's step-down correction of several p-values (None stays None: not testable).

    The smallest p is multiplied by the number of tests, the next by one fewer, and so on; an
    adjusted p is never smaller than the one before it, and never above 1.

    Examples
    --------
    >>> holm({"focal": 0.071, "generalized": 0.019, "both": 0.197})
    {'focal': 0.142, 'generalized': 0.057, 'both': 0.197}
    """
    tested = sorted((p, k) for k, p in p_values.items() if p is not None)
    adjusted, running = {}, 0.0
    for rank, (p, kind) in enumerate(tested):
        running = max(running, min(1.0, (len(tested) - rank) * p))
        adjusted[kind] = round(running, 12)
    return {k: adjusted.get(k) for k in p_values}

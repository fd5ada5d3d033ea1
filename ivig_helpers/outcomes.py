"""Outcomes, defined once: percent change, responders, seizure freedom, the frequency score.

Every notebook and the results file take these definitions from here, so a teacher who changes
``responder_threshold`` or ``missing_followup`` changes them everywhere at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .parameters import RUN_SEED

SCORE_BOUNDS = (1.0, 4.0, 28.0, 84.0)
"""Lower bounds (seizures per 28 days) of scores 2 to 5. Score 0 is exactly no seizures and
score 1 is more than 0 and fewer than 1. The study's own scale is not published: this one is
the project's."""

MISSING_FOLLOWUP_CHOICES = ("nonresponder", "exclude")

# Percent changes are floats: 1.5 from 3.0 gives -50.000000000000007 on some inputs.
_TOLERANCE = 1e-9


def frequency_score(seizures_per_month) -> np.ndarray:
    """Seizure frequency score from 0 (none) to 5 (84 or more per 28 days); NaN stays NaN.

    Examples
    --------
    >>> frequency_score([0, 0.5, 1, 3.9, 4, 27.9, 28, 84, 200]).tolist()
    [0.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 5.0]
    """
    values = np.asarray(seizures_per_month, dtype=float)
    score = np.searchsorted(SCORE_BOUNDS, values, side="right") + 1.0
    score[values == 0] = 0.0
    score[np.isnan(values)] = np.nan
    return score


def percent_change(baseline, follow_up) -> np.ndarray:
    """100 * (follow-up - baseline) / baseline; negative means fewer seizures.

    Examples
    --------
    >>> percent_change([10, 4], [5, 6]).tolist()
    [-50.0, 50.0]
    """
    baseline = np.asarray(baseline, dtype=float)
    return 100.0 * (np.asarray(follow_up, dtype=float) - baseline) / baseline


def add_outcomes(table: pd.DataFrame, responder_threshold: float = 0.5,
                 missing_followup: str = "nonresponder") -> pd.DataFrame:
    """Add the study's outcomes to a cohort table (a new table; the input is not changed).

    Parameters
    ----------
    table : DataFrame
        A checked cohort (``load_cohort(...).table``).
    responder_threshold : float
        The fall in seizure frequency that makes a responder: 0.5 is the usual "50% responder".
    missing_followup : {"nonresponder", "exclude"}
        Patients without a one-year frequency are counted as non-responders (the conservative
        default: their one-year frequency is taken as unchanged from baseline, so the median and
        the paired tests count them as "no change" too) or left out of every analysis.

    Returns
    -------
    DataFrame
        The input columns plus ``has_followup``, ``percent_change`` (0 without follow-up when
        counted as non-responders),
        ``responder`` and ``seizure_free`` (False without follow-up), ``baseline_score``,
        ``month12_score`` and, when month-3 data exist, ``month3_score``.

    Examples
    --------
    >>> from ivig_helpers import load_cohort, BUNDLED_COHORT
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> int(patients["responder"].sum()), int(patients["seizure_free"].sum())
    (22, 8)
    """
    check_outcome_parameters(responder_threshold, missing_followup)
    out = table.copy()
    baseline = out["baseline_seizures_per_month"]
    month12 = out["month12_seizures_per_month"]
    out["has_followup"] = month12.notna()
    if missing_followup == "nonresponder":
        # counted as not helped in every analysis: no change from baseline (the median, the
        # paired tests and the rates then all rest on the same children)
        month12 = month12.where(out["has_followup"], baseline)
        out["month12_seizures_per_month"] = month12
    out["percent_change"] = percent_change(baseline, month12)
    out["responder"] = out["percent_change"].le(-100.0 * responder_threshold + _TOLERANCE)
    out["seizure_free"] = month12.eq(0)
    for column in ("baseline", "month3", "month12"):
        source = f"{column}_seizures_per_month"
        if source in out:
            out[f"{column}_score"] = frequency_score(out[source])
    if missing_followup == "exclude":
        out = out[out["has_followup"]].reset_index(drop=True)
    return out


def check_outcome_parameters(responder_threshold: float, missing_followup: str) -> None:
    """Raise ValueError, in words, for a responder threshold or missing-follow-up choice that
    :func:`add_outcomes` cannot use (the command line checks them before starting a kernel)."""
    if not 0 < responder_threshold <= 1:
        raise ValueError("responder_threshold must be above 0 and at most 1 (0.5 means 50% "
                         f"fewer seizures), not {responder_threshold!r}")
    if missing_followup not in MISSING_FOLLOWUP_CHOICES:
        raise ValueError("missing_followup must be one of: " + ", ".join(MISSING_FOLLOWUP_CHOICES)
                         + f"; not {missing_followup!r}")


def count_missing_followup(table: pd.DataFrame) -> int:
    """Patients with no one-year seizure frequency (reported whatever the handling)."""
    return int(table["month12_seizures_per_month"].isna().sum())


def proportion_ci(successes: int, total: int, method: str = "exact",
                  confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided confidence interval of a proportion: "exact" (Clopper-Pearson) or "wilson".

    Examples
    --------
    >>> [round(x, 3) for x in proportion_ci(22, 60)]
    [0.246, 0.501]
    """
    from scipy import stats  # here: the command line checks files without SciPy
    if total == 0:
        return (float("nan"), float("nan"))
    interval = stats.binomtest(int(successes), int(total)).proportion_ci(
        confidence_level=confidence, method={"exact": "exact", "wilson": "wilson"}[method])
    return (float(interval.low), float(interval.high))


def rate_table(data: pd.DataFrame, outcome: str = "responder", by: str | None = None,
               confidence: float = 0.95) -> pd.DataFrame:
    """Share of patients with a yes/no outcome, with exact and Wilson intervals.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`add_outcomes`.
    outcome : str
        A boolean column, such as ``responder`` or ``seizure_free``.
    by : str, optional
        A grouping column (``seizure_type``); one row per group plus none for the whole cohort.

    Returns
    -------
    DataFrame
        One row per group (``group`` is "all" without ``by``): ``group``, ``n``, ``events``,
        ``rate``, ``exact_low``, ``exact_high``, ``wilson_low``, ``wilson_high``. Rates are
        proportions (0 to 1); groups with no patients are kept with NaN rates.

    Examples
    --------
    >>> from ivig_helpers import load_cohort, BUNDLED_COHORT
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> rate_table(patients).round(3).to_dict("records")[0]["rate"]
    0.367
    """
    # the two columns only: a large cohort is not copied whole for each group
    data = data[[outcome] + ([by] if by is not None and by != outcome else [])]
    groups = [("all", data)] if by is None else [
        (str(level), data[data[by] == level]) for level in group_levels(data[by])]
    rows = []
    for name, part in groups:
        n, events = len(part), int(part[outcome].sum())
        exact, wilson = proportion_ci(events, n, "exact", confidence), proportion_ci(
            events, n, "wilson", confidence)
        rows.append({"group": name, "n": n, "events": events,
                     "rate": events / n if n else float("nan"),
                     "exact_low": exact[0], "exact_high": exact[1],
                     "wilson_low": wilson[0], "wilson_high": wilson[1]})
    return pd.DataFrame(rows)


def threshold_sweep(table: pd.DataFrame, thresholds=(0.25, 0.5, 0.75, 1.0),
                    missing_followup: str = "nonresponder",
                    confidence: float = 0.95) -> pd.DataFrame:
    """How the responder rate moves with the definition of a responder.

    Returns
    -------
    DataFrame
        One row per threshold: ``threshold`` and the columns of :func:`rate_table` for responders.
    """
    rows = []
    for threshold in thresholds:
        rated = rate_table(add_outcomes(table, threshold, missing_followup),
                           confidence=confidence).drop(columns="group")
        rows.append(rated.assign(threshold=threshold))
    result = pd.concat(rows, ignore_index=True)
    return result[["threshold"] + [c for c in result.columns if c != "threshold"]]


MEDIAN_BOOTSTRAP_LIMIT = 5_000
"""Values above which the interval of a median is the distribution-free order-statistic interval
instead of the bootstrap: 9,999 resamples of 5,000 values take about a second, and the cost grows
with the number of values, while both intervals then agree to the data's own precision."""
BOOTSTRAP_CELLS = 2_000_000
"""Resampled values held at once by the bootstrap (in batches of resamples): bounded memory at
any size. Batching does not change the result: the resamples are drawn in the same order."""


def median_change_interval(data: pd.DataFrame, column: str = "percent_change",
                           confidence: float = 0.95, n_resamples: int = 9999,
                           seed: int = RUN_SEED) -> pd.DataFrame:
    """Median of a column with a confidence interval: a seeded percentile bootstrap (SciPy's
    ``bootstrap``) up to :data:`MEDIAN_BOOTSTRAP_LIMIT` values, the distribution-free
    order-statistic interval above.

    Returns
    -------
    DataFrame
        One row: ``n`` (non-missing values), ``median``, ``ci_low``, ``ci_high``, ``method``
        ("bootstrap" or "order statistics").

    Notes
    -----
    The order-statistic interval (Conover, *Practical Nonparametric Statistics*, 3rd ed., 1999,
    section 3.2) takes the values at ranks l and n + 1 - l, where l is the largest rank with
    P(Binomial(n, 1/2) < l) <= alpha / 2. It needs no resampling and no seed, its cost is one
    partial sort, and for thousands of values it agrees with the percentile bootstrap.

    Examples
    --------
    >>> from ivig_helpers import load_cohort, BUNDLED_COHORT
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> row = median_change_interval(patients).iloc[0]
    >>> bool(row["ci_low"] <= row["median"] <= row["ci_high"]), row["method"]
    (True, 'bootstrap')
    """
    from scipy import stats  # here: the command line checks files without SciPy
    values = data[column].dropna().to_numpy(dtype=float)
    method = "bootstrap" if len(values) <= MEDIAN_BOOTSTRAP_LIMIT else "order statistics"
    if len(values) < 2:
        low = high = float("nan")
    elif method == "bootstrap":
        result = stats.bootstrap((values,), np.median, confidence_level=confidence,
                                 n_resamples=n_resamples, method="percentile",
                                 rng=np.random.default_rng(seed), vectorized=True, axis=-1,
                                 batch=max(1, BOOTSTRAP_CELLS // len(values)))
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    else:
        low, high = median_order_interval(values, confidence)
    median = float(np.median(values)) if len(values) else float("nan")
    return pd.DataFrame([{"n": len(values), "median": median, "ci_low": low, "ci_high": high,
                          "method": method}])


def median_order_interval(values, confidence: float = 0.95) -> tuple[float, float]:
    """The distribution-free confidence interval of a median from order statistics.

    The values at ranks l and n + 1 - l (1-based), l being the largest rank with
    P(Binomial(n, 1/2) <= l - 1) <= (1 - confidence) / 2; the coverage is at least
    ``confidence``. NaN below the size where such a rank exists (6 values at 95%).

    Examples
    --------
    >>> median_order_interval(list(range(1, 101)))  # ranks 40 and 61 of 100
    (40.0, 61.0)
    """
    from scipy import stats  # here: the command line checks files without SciPy
    values = np.asarray(values, dtype=float)
    n = len(values)
    tail = (1 - confidence) / 2
    lower = int(stats.binom.ppf(tail, n, 0.5))  # smallest k with P(X <= k) >= tail
    if stats.binom.cdf(lower, n, 0.5) > tail:
        lower -= 1  # so that P(X <= lower) <= tail: rank lower + 1 is the last allowed
    if lower < 0:
        return (float("nan"), float("nan"))
    low_rank, high_rank = lower, n - 1 - lower  # 0-based ranks l - 1 and n - l
    chosen = np.partition(values, [low_rank, high_rank])
    return (float(chosen[low_rank]), float(chosen[high_rank]))


def group_levels(column: pd.Series) -> list:
    """The groups of a column in their natural order: a categorical's categories (empty ones
    included, so that every seizure type gets a row), or the sorted values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return list(column.cat.categories)
    return sorted(column.dropna().unique())

"""Pooling several cohorts' released counts: the random-effects machinery that
:func:`ivig_helpers.appraisal.evidence.pooled_responder_rate` uses (:func:`random_effects`), the
same for the odds ratio of responding between two groups (:func:`pooled_odds_ratio`), each pool
again without one cohort at a time (:func:`leave_one_out`), and how far the pooled value can
move when the counts behind it were rounded (:func:`rounding_envelope`).

Everything here works on counts as a report releases them (whole numbers), one row per cohort;
no row of a cohort's children is ever needed.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["CONTINUITY", "MAX_COMBINATIONS", "leave_one_out", "log_odds_ratios",
           "pooled_odds_ratio", "random_effects", "rounding_envelope"]

CONTINUITY = 0.5
"""Added to every cell of a cohort's 2x2 table when one of its cells is 0 (assumed: the usual
choice, Cochrane Handbook section 10.4.4.2); a table without a 0 is left as it is."""

MAX_COMBINATIONS = 1024
"""The most combinations of possible true counts that :func:`rounding_envelope` pools."""


def paule_mandel(effect: np.ndarray, variance: np.ndarray) -> float:
    """The Paule-Mandel between-study variance: 0 when the studies agree no more than chance
    allows (generalised Q at 0 at most k - 1), else the root of Q(tau^2) = k - 1, found by
    bracketing (Q falls as tau^2 grows). statsmodels' Newton steps can overshoot and return 0
    for studies that disagree widely."""
    from scipy import optimize

    def excess(tau2: float) -> float:
        weights = 1.0 / (variance + tau2)
        mean = (weights * effect).sum() / weights.sum()
        return float((weights * (effect - mean) ** 2).sum()) - (len(effect) - 1)

    if excess(0.0) <= 0:
        return 0.0
    high = 1.0
    while excess(high) > 0:
        high *= 2
    return float(optimize.brentq(excess, 0.0, high, xtol=1e-12, rtol=1e-12))


def random_effects(effect, variance, alpha: float = 0.05) -> dict:
    """Inverse-variance random-effects pool of effects on an additive scale (a logit, a log
    odds ratio).

    The between-study variance tau^2 is Paule-Mandel (:func:`paule_mandel`); the confidence
    interval is Hartung-Knapp (t with k - 1 degrees of freedom and the weighted spread around
    the mean); the prediction interval, where a new study's effect would fall, is
    m +/- t(k - 2) sqrt(tau^2 + SE^2) (Higgins, Thompson & Spiegelhalter 2009; needs 3
    studies). Q is the fixed-effect Q, with its chi-square test (asymptotic); I^2 is
    (Q - (k - 1)) / Q, at least 0. One study gives its own Wald interval; none gives nothing.

    Returns
    -------
    dict
        ``k``, ``estimate``, ``se`` (random effects), ``ci_low``, ``ci_high``, ``pi_low``,
        ``pi_high``, ``tau2``, ``q``, ``q_p_value``, ``i2`` (NaN where not defined) and
        ``notes`` (a list of plain sentences).

    Examples
    --------
    >>> found = random_effects([0.1, 0.9, -0.4], [0.04, 0.09, 0.05])
    >>> round(found["estimate"], 3), round(found["tau2"], 3), round(found["i2"], 3)
    (0.178, 0.358, 0.835)
    """
    effect = np.asarray(effect, dtype=float)
    variance = np.asarray(variance, dtype=float)
    k = len(effect)
    nan = float("nan")
    out = {"k": k, "estimate": nan, "se": nan, "ci_low": nan, "ci_high": nan, "pi_low": nan,
           "pi_high": nan, "tau2": nan, "q": nan, "q_p_value": nan, "i2": nan, "notes": []}
    if k == 0:
        out["notes"].append("no studies")
        return out
    if k == 1:
        crit = stats.norm.isf(alpha / 2)
        se = math.sqrt(variance[0])
        out.update(estimate=float(effect[0]), se=se, ci_low=float(effect[0] - crit * se),
                   ci_high=float(effect[0] + crit * se))
        out["notes"].append("one study: nothing to pool (Wald interval of that study)")
        return out
    tau2 = paule_mandel(effect, variance)
    weights = 1.0 / (variance + tau2)
    mean = float((weights * effect).sum() / weights.sum())
    se = math.sqrt(1.0 / weights.sum())
    hk_se = math.sqrt((weights * (effect - mean) ** 2).sum() / ((k - 1) * weights.sum()))
    half_ci = stats.t.isf(alpha / 2, k - 1) * hk_se
    fixed = 1.0 / variance
    q = float((fixed * (effect - (fixed * effect).sum() / fixed.sum()) ** 2).sum())
    if k >= 3:
        half = stats.t.isf(alpha / 2, k - 2) * math.sqrt(tau2 + se ** 2)
        out.update(pi_low=mean - half, pi_high=mean + half)
    else:
        out["notes"].append("prediction interval needs 3 studies")
    out.update(estimate=mean, se=se, ci_low=mean - half_ci, ci_high=mean + half_ci, tau2=tau2,
               q=q, q_p_value=float(stats.chi2.sf(q, k - 1)),
               i2=max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0)
    return out


def log_odds_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Each study's log odds ratio of responding, group a against group b.

    Parameters
    ----------
    table : DataFrame
        ``study``, ``events_a``, ``n_a``, ``events_b``, ``n_b`` (responders and children of
        each group; each group at least 1 child, events between 0 and n).

    Returns
    -------
    DataFrame
        The columns of ``table`` with ``log_or``, ``variance`` (Woolf: the sum of the four
        cells' reciprocals) and ``corrected`` (True where :data:`CONTINUITY` was added to every
        cell because one was 0).

    Examples
    --------
    >>> t = pd.DataFrame({"study": ["x"], "events_a": [11], "n_a": [22], "events_b": [6],
    ...                   "n_b": [23]})
    >>> round(float(log_odds_ratios(t)["log_or"].iloc[0]), 4)  # (11 * 17) / (11 * 6)
    1.0415
    """
    cells = np.column_stack([table["events_a"], table["n_a"] - table["events_a"],
                             table["events_b"], table["n_b"] - table["events_b"]]).astype(float)
    if (cells < 0).any() or (table["n_a"] < 1).any() or (table["n_b"] < 1).any():
        raise ValueError("every group needs at least 1 child and events between 0 and n")
    corrected = (cells == 0).any(axis=1)
    cells = cells + CONTINUITY * corrected[:, None]
    return table.assign(
        log_or=np.log(cells[:, 0] * cells[:, 3] / (cells[:, 1] * cells[:, 2])),
        variance=(1.0 / cells).sum(axis=1), corrected=corrected)


def pooled_odds_ratio(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Random-effects pooled odds ratio of responding, group a against group b: each study's
    log odds ratio (:func:`log_odds_ratios`) pooled by :func:`random_effects` (Paule-Mandel
    tau^2, Hartung-Knapp interval, prediction interval), back on the odds-ratio scale.

    Returns
    -------
    DataFrame
        One row: ``test``, ``k``, ``odds_ratio``, ``ci_low``, ``ci_high``, ``pi_low``,
        ``pi_high``, ``log_or``, ``log_or_se``, ``tau2``, ``i2``, ``q``, ``q_p_value``,
        ``method`` ("asymptotic"), ``note``.

    Examples
    --------
    >>> t = pd.DataFrame({"study": list("xyz"), "events_a": [11, 9, 4], "n_a": [22, 15, 12],
    ...                   "events_b": [6, 3, 5], "n_b": [23, 14, 11]})
    >>> round(float(pooled_odds_ratio(t)["odds_ratio"].iloc[0]), 3)
    2.19
    """
    studies = log_odds_ratios(table)
    found = random_effects(studies["log_or"], studies["variance"], alpha)
    notes = found["notes"]
    if studies["corrected"].any():
        notes.insert(0, f"{CONTINUITY:g} added to every cell of {int(studies['corrected'].sum())}"
                        " study(ies) with a cell of 0")

    def back(value):
        return float(np.exp(value))

    return pd.DataFrame([{
        "test": "random effects, log odds ratio, Paule-Mandel tau^2, Hartung-Knapp interval",
        "k": found["k"], "odds_ratio": back(found["estimate"]), "ci_low": back(found["ci_low"]),
        "ci_high": back(found["ci_high"]), "pi_low": back(found["pi_low"]),
        "pi_high": back(found["pi_high"]), "log_or": found["estimate"],
        "log_or_se": found["se"], "tau2": found["tau2"], "i2": found["i2"], "q": found["q"],
        "q_p_value": found["q_p_value"], "method": "asymptotic", "note": "; ".join(notes)}])


def leave_one_out(table: pd.DataFrame, pool, alpha: float = 0.05) -> pd.DataFrame:
    """``pool`` (a function of a table of studies and alpha, returning one row) again
    without each study in turn: one row per study, ``left_out`` (its name) in front.

    Examples
    --------
    >>> from ivig_helpers.appraisal.evidence import pooled_responder_rate
    >>> t = pd.DataFrame({"study": list("xyz"), "n": [20, 30, 40], "responders": [5, 15, 30]})
    >>> leave_one_out(t, pooled_responder_rate)[["left_out", "k"]].values.tolist()
    [['x', 2], ['y', 2], ['z', 2]]
    """
    rows = [pool(table[table["study"] != study].reset_index(drop=True), alpha)
            .assign(left_out=study) for study in table["study"]]
    if not rows:
        return pd.DataFrame(columns=["left_out"])
    out = pd.concat(rows, ignore_index=True)
    return out[["left_out", *[c for c in out.columns if c != "left_out"]]]


def rounding_envelope(candidates: list[list[dict]], pool, estimate: str,
                      alpha: float = 0.05) -> dict:
    """How far a pool can move when the counts behind it were rounded.

    ``candidates`` holds, for each study, the rows (dicts of the columns ``pool`` reads) its
    true counts could be: one row for exact counts, the extremes of each rounded count's
    possible range otherwise. Every combination of one row per study is pooled (all of them
    while there are at most :data:`MAX_COMBINATIONS`; else each study's first and last row
    only, every study at once at its first, at its last, and one study at a time at either),
    and the smallest and largest pooled ``estimate`` and interval ends are returned.

    Returns
    -------
    dict
        ``estimate_low``, ``estimate_high`` (the envelope of the pooled value), ``ci_low``
        (the lowest lower end of the interval), ``ci_high`` (the highest upper end),
        ``combinations`` (how many were pooled), ``exhaustive`` (every combination was).

    Examples
    --------
    >>> from ivig_helpers.appraisal.evidence import pooled_responder_rate
    >>> exact = [{"study": "x", "n": 20, "responders": 5}]
    >>> rounded = [{"study": "y", "n": n, "responders": r} for n in (28, 32) for r in (13, 17)]
    >>> found = rounding_envelope([exact, rounded], pooled_responder_rate, "rate")
    >>> found["combinations"], round(found["estimate_low"], 3), round(found["estimate_high"], 3)
    (4, 0.344, 0.427)
    """
    if not candidates:
        nan = float("nan")
        return {"estimate_low": nan, "estimate_high": nan, "ci_low": nan, "ci_high": nan,
                "combinations": 0, "exhaustive": True}
    total = math.prod(len(c) for c in candidates)
    exhaustive = total <= MAX_COMBINATIONS
    if exhaustive:
        combos = itertools.product(*candidates)
    else:
        ends = [[c[0], c[-1]] if len(c) > 1 else c for c in candidates]
        middle = [c[0] for c in candidates]
        combos = [tuple(e[0] for e in ends), tuple(e[-1] for e in ends)]
        for i, pair in enumerate(ends):
            for choice in pair:
                combos.append(tuple(choice if j == i else middle[j]
                                    for j in range(len(ends))))
    found = pd.DataFrame([pool(pd.DataFrame(list(combo)), alpha).iloc[0][[estimate, "ci_low",
                                                                          "ci_high"]]
                          for combo in combos]).astype(float)

    def end(column, how):
        values = found[column].dropna()
        return float(getattr(values, how)()) if len(values) else float("nan")

    return {"estimate_low": end(estimate, "min"), "estimate_high": end(estimate, "max"),
            "ci_low": end("ci_low", "min"), "ci_high": end("ci_high", "max"),
            "combinations": len(found), "exhaustive": exhaustive}

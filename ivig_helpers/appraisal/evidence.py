"""The other published IVIG cohorts: :func:`load_ivig_cohorts`, each study's exact
interval (:func:`exact_intervals`), the random-effects pooled rate
(:func:`pooled_responder_rate`, Paule-Mandel), the same with and without the cohort that may
share children with this one (:func:`pooled_with_and_without`) and the cohorts with this one
in place of the study (:func:`cohorts_with`).

The cohorts are a targeted list from the sources of the project's FACTS sheet (section 4), not
the result of a systematic search (``data/evidence_search.md`` lists what was included and
excluded, and why). They measured response at
different times (the best response at about 10 weeks; the end of a 3-month course in patients
up to 25.8 years; after at least 6 cycles; within a year), so a pooled rate is an average of
the cohorts' responder proportions (random-effects weights, logit scale), not the responder
rate of any one population or time point. The one randomized trial (van Rijckevorsel-Harmant
et al. 1994) is not pooled with them: its placebo arm is a benchmark
(:mod:`ivig_helpers.benchmarks_published`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from ..benchmarks_published import OVERLAPPING, POOLED_MEANS, SELECTION
from ..contract import DATA_DIR
from ..outcomes import proportion_ci
from ..privacy import is_number
from .pooling import random_effects

IVIG_COHORTS = DATA_DIR / "ivig_cohorts.csv"
"""The published IVIG cohorts of the evidence context (FACTS section 4)."""

THIS_STUDY = "Calgary (this replication)"
"""The row of :data:`IVIG_COHORTS` that is the replicated study itself."""

__all__ = ["IVIG_COHORTS", "OVERLAPPING", "POOLED_MEANS", "SELECTION", "THIS_STUDY",
           "cohorts_with", "exact_intervals", "load_ivig_cohorts", "pooled_responder_rate",
           "pooled_view", "pooled_with_and_without"]


def load_ivig_cohorts(path=IVIG_COHORTS) -> pd.DataFrame:
    """The published IVIG cohorts (FACTS section 4), one row each.

    Returns
    -------
    DataFrame
        ``study``, ``population``, ``n``, ``responders`` (at least 50% fewer seizures),
        ``seizure_free`` (missing when not reported), ``design``, ``citation``, ``pmid``.

    Examples
    --------
    >>> load_ivig_cohorts()[["n", "responders"]].sum().tolist()
    [126, 70]
    """
    table = pd.read_csv(path, dtype={"n": int, "responders": int, "seizure_free": "Int64",
                                     "pmid": "Int64"})
    for column in ("response_timing", "response_definition", "overlap"):
        if column in table:
            table[column] = table[column].fillna("")
    return table


def _check_studies(table: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("study", "n", "responders") if c not in table]
    if missing:
        raise ValueError(f"the table of studies lacks the column(s) {missing}")
    n = pd.to_numeric(table["n"], errors="coerce")
    events = pd.to_numeric(table["responders"], errors="coerce")
    for index in table.index:
        if not (n[index] >= 1) or not (0 <= events[index] <= n[index]):
            raise ValueError(f"row {index} ({table.loc[index, 'study']}): responders "
                             f"({table.loc[index, 'responders']}) must be between 0 and n "
                             f"({table.loc[index, 'n']}), and n at least 1")
    return table.assign(n=n.astype(int), responders=events.astype(int))


def exact_intervals(table: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Each study's responder rate with its exact (Clopper-Pearson) interval, for a forest plot.

    Returns
    -------
    DataFrame
        One row per study: ``study``, ``design``, ``n``, ``events`` (responders), ``rate``,
        ``exact_low``, ``exact_high``, ``seizure_free`` (missing when not reported),
        ``method`` ("exact").

    Examples
    --------
    >>> table = exact_intervals(load_ivig_cohorts())
    >>> table[["rate", "exact_low", "exact_high"]].iloc[3].round(3).tolist()
    [0.367, 0.246, 0.501]
    """
    table = _check_studies(table)
    bounds = np.array([proportion_ci(e, n, "exact", confidence)
                       for e, n in zip(table["responders"], table["n"], strict=True)])
    bounds = bounds.reshape(-1, 2)
    return pd.DataFrame({
        "study": table["study"].to_numpy(),
        "design": table["design"].to_numpy() if "design" in table else None,
        "n": table["n"].to_numpy(), "events": table["responders"].to_numpy(),
        "rate": (table["responders"] / table["n"]).to_numpy(),
        "exact_low": bounds[:, 0], "exact_high": bounds[:, 1],
        "seizure_free": table["seizure_free"].to_numpy() if "seizure_free" in table else None,
        "method": "exact"})


def pooled_responder_rate(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Random-effects pooled responder rate on the logit scale.

    Each study's log odds of responding, logit(r / n), with variance 1/r + 1/(n - r) (0.5
    added to both counts of a study with 0 or n responders), is pooled by
    :func:`~ivig_helpers.appraisal.pooling.random_effects` with the Paule-Mandel between-study
    variance (statsmodels' ``combine_effects`` gives the same where its iteration converges,
    checked in the tests). The confidence interval is
    Hartung-Knapp (t with k - 1 degrees of freedom and the weighted spread); the prediction
    interval, where a new cohort's rate would fall, is m +/- t(k - 2) sqrt(tau^2 + SE^2)
    (Higgins, Thompson & Spiegelhalter 2009; needs 3 studies). Everything is back-transformed
    to proportions. The Freeman-Tukey double arcsine is avoided (Schwarzer et al. 2019).

    Parameters
    ----------
    table : DataFrame
        Columns ``study``, ``n``, ``responders`` (as :func:`load_ivig_cohorts`).
    alpha : float
        The intervals are (1 - alpha) intervals.

    Returns
    -------
    DataFrame
        One row: ``test``, ``k`` (studies), ``n``, ``events`` (totals), ``rate`` (pooled),
        ``ci_low``, ``ci_high`` (Hartung-Knapp), ``pi_low``, ``pi_high`` (prediction),
        ``logit``, ``logit_se`` (random effects), ``tau2`` (Paule-Mandel), ``i2`` (I^2, from
        the fixed-effect Q, at least 0), ``q``, ``q_p_value`` (chi-square test of
        heterogeneity), ``method`` ("asymptotic"), ``note``.

    References
    ----------
    Schwarzer G, et al. Seriously misleading results using inverse of Freeman-Tukey double
    arcsine transformation in meta-analysis of single proportions. Res Synth Methods
    2019;10:476-83. IntHout J, et al. Plea for routinely presenting prediction intervals in
    meta-analysis. BMJ Open 2016;6:e010247.

    Examples
    --------
    >>> row = pooled_responder_rate(load_ivig_cohorts()).iloc[0]
    >>> [round(float(row[c]), 3) for c in ("rate", "ci_low", "ci_high", "i2")]
    [0.608, 0.162, 0.926, 0.878]
    """
    table = _check_studies(table)
    events = table["responders"].to_numpy(dtype=float)
    n = table["n"].to_numpy(dtype=float)
    row = {"test": "random effects, logit scale, Paule-Mandel tau^2, Hartung-Knapp interval",
           "k": len(table), "n": int(n.sum()), "events": int(events.sum()), "rate": np.nan,
           "ci_low": np.nan, "ci_high": np.nan, "pi_low": np.nan, "pi_high": np.nan,
           "logit": np.nan, "logit_se": np.nan, "tau2": np.nan, "i2": np.nan, "q": np.nan,
           "q_p_value": np.nan, "method": "asymptotic", "note": ""}
    if len(table) == 0:
        row["note"] = "no studies"
        return pd.DataFrame([row])
    corrected = (events == 0) | (events == n)
    events_c, n_c = events + 0.5 * corrected, n + 1.0 * corrected
    effect = np.log(events_c / (n_c - events_c))
    variance = 1.0 / events_c + 1.0 / (n_c - events_c)
    notes = []
    if corrected.any():
        notes.append(f"0.5 added to both counts of {int(corrected.sum())} study(ies) with 0% "
                     "or 100% responders")
    found = random_effects(effect, variance, alpha)
    row.update(rate=float(expit(found["estimate"])), ci_low=float(expit(found["ci_low"])),
               ci_high=float(expit(found["ci_high"])), pi_low=float(expit(found["pi_low"])),
               pi_high=float(expit(found["pi_high"])), logit=found["estimate"],
               logit_se=found["se"], tau2=found["tau2"], i2=found["i2"], q=found["q"],
               q_p_value=found["q_p_value"], note="; ".join(notes + found["notes"]))
    return pd.DataFrame([row])


def pooled_with_and_without(table: pd.DataFrame, alpha: float = 0.05,
                            leave_out: str = OVERLAPPING) -> pd.DataFrame:
    """The pooled responder rate of every cohort, and again without ``leave_out`` (the cohort
    that may share children with this one): two rows of :func:`pooled_responder_rate` with
    ``studies`` (which were pooled) in front. The second row is the first again when
    ``leave_out`` is not among the studies.

    Examples
    --------
    >>> table = pooled_with_and_without(load_ivig_cohorts())
    >>> [round(float(r), 2) for r in table["rate"]], table["k"].tolist()
    ([0.61, 0.52], [4, 3])
    """
    table = _check_studies(table)
    kept = table[table["study"] != leave_out]
    rows = [pooled_responder_rate(table, alpha).assign(studies="all cohorts"),
            pooled_responder_rate(kept, alpha).assign(studies=f"without {leave_out}"
                                                      if len(kept) < len(table)
                                                      else "all cohorts")]
    out = pd.concat(rows, ignore_index=True)
    return out[["studies", *[c for c in out.columns if c != "studies"]]]


def cohorts_with(responders, analysed, responder_threshold: float = 0.5) -> pd.DataFrame:
    """The published IVIG cohorts with this cohort's (released) counts in place of the study's
    row, its response measured at one year with the run's threshold; a withheld count leaves
    this cohort out.

    Examples
    --------
    >>> row = cohorts_with(15, 40).iloc[3]
    >>> row["study"], int(row["n"]), int(row["responders"]), row["response_timing"]
    ('these data', 40, 15, "one year (the file's one-year frequency)")
    """
    studies = load_ivig_cohorts()
    mine = studies["study"] == THIS_STUDY
    if is_number(responders) and is_number(analysed) and analysed:
        studies.loc[mine, ["n", "responders"]] = [int(analysed), int(min(responders, analysed))]
        studies.loc[mine, "study"] = "these data"
        if "response_timing" in studies:
            studies.loc[mine, "response_timing"] = "one year (the file's one-year frequency)"
            studies.loc[mine, "response_definition"] = (
                f"at least {100 * responder_threshold:g}% fewer seizures")
        return studies
    return studies[~mine].reset_index(drop=True)


def pooled_view(pooled: pd.DataFrame, level: str = "95%") -> pd.DataFrame:
    """The rows of :func:`pooled_with_and_without` to read: which cohorts, how many, the pooled
    rate, its confidence and prediction intervals and I^2 as text (a second row that pools the
    same cohorts again is left out).

    Examples
    --------
    >>> pooled_view(pooled_with_and_without(load_ivig_cohorts()))["pooled_rate"].tolist()
    ['60.8%', '52.4%']
    """
    rows = pooled.drop_duplicates(subset=["studies"]) if "studies" in pooled else pooled

    def pct(value):
        return f"{100 * float(value):.1f}%" if is_number(value) and pd.notna(value) else ""

    def between(low, high):
        return f"{pct(low)} to {pct(high)}" if pct(low) and pct(high) else "not available"

    return pd.DataFrame({
        "studies": rows["studies"] if "studies" in rows else "all cohorts",
        "k": rows["k"], "pooled_rate": [pct(v) or "not available" for v in rows["rate"]],
        f"{level} CI (Hartung-Knapp)": [between(lo, hi) for lo, hi in
                                        zip(rows["ci_low"], rows["ci_high"], strict=True)],
        f"{level} prediction interval": [between(lo, hi) for lo, hi in
                                         zip(rows["pi_low"], rows["pi_high"], strict=True)],
        "I²": [pct(v) or "not available" for v in rows["i2"]]}).reset_index(drop=True)

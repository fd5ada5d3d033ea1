"""Placebo response and regression to the mean: the responder rate against published
placebo and active add-on rates (:func:`placebo_comparison`, with the intention-to-treat
bound of :func:`itt_totals`), and how often cohorts in which IVIG does nothing reach it
(:func:`null_simulation`)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from ..benchmarks_published import BENCHMARKS, PLACEBO_RATE
from ..outcomes import proportion_ci
from ..privacy import release_p
from ._shared import _EPS

STUDY_ATTRITION = ((60, 67), (60, 74))
"""The study's children analysed, and before that included (67, AES 2021) or identified (74,
AES 2021 and 2022). The intention-to-treat bound applies the same attrition to any cohort: for
N children analysed, N x 67 / 60 and N x 74 / 60 children (67 and 74 for the study's 60), those
not analysed counted as non-responders (22/67 and 22/74 against 22/60)."""


def itt_totals(n_children: int, attrition=STUDY_ATTRITION) -> list[int]:
    """Cohort sizes before attrition like the study's, for the intention-to-treat bound.

    Examples
    --------
    >>> itt_totals(60), itt_totals(40)
    ([67, 74], [45, 49])
    """
    return [int(round(n_children * before / analysed)) for analysed, before in attrition
            if n_children and before > analysed]


def placebo_comparison(responders: int, n: int, placebo_rate: float = PLACEBO_RATE,
                       alternative: str = "greater", totals=(),
                       confidence: float = 0.95, min_cell_count: int = 0) -> pd.DataFrame:
    """The responder rate against published placebo and active add-on responder rates.

    Exact binomial tests (``scipy.stats.binomtest``) of ``responders`` out of ``n`` against
    ``placebo_rate`` (Rheims et al. 2008: 19% in children), 19.7% (Zaccara et al. 2014) and the
    active add-on drugs' 37.2% in children (Rheims et al. 2008).

    Parameters
    ----------
    responders, n : int
        Responders and children analysed.
    placebo_rate : float
        The placebo responder rate of the first row.
    alternative : {"greater", "two-sided", "less"}
        "greater" (the default) asks whether the rate exceeds the benchmark.
    totals : sequence of int
        Larger denominators for an intention-to-treat bound (for the study: 67 included and 74
        identified, 22/67 and 22/74): each adds the three rows again with ``n`` = total.
    confidence : float
        Level of the exact (Clopper-Pearson) interval of the rate.
    min_cell_count : int
        Disclosure control: the p-values as :func:`ivig_helpers.privacy.release_p` releases
        them (the counts given are the released ones already).

    Returns
    -------
    DataFrame
        One row per benchmark and denominator: ``benchmark``, ``benchmark_rate``, ``source``,
        ``denominator``, ``events``, ``n``, ``rate``, ``exact_low``, ``exact_high``,
        ``p_value``, ``alternative``, ``method`` ("exact"), ``testable``, ``note``.

    Raises
    ------
    ValueError
        When ``responders`` or ``n`` is negative, or ``responders`` exceeds ``n``.

    References
    ----------
    Rheims S, et al. Greater response to placebo in children than in adults: a systematic
    review and meta-analysis in drug-resistant partial epilepsy. PLoS Med 2008;5:e166.
    Zaccara G, et al. Epilepsy Res 2014;108:1685.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> table = placebo_comparison(int(patients["responder"].sum()), len(patients))
    >>> round(float(table["p_value"].iloc[0]), 4)
    0.001
    """
    responders, n = int(responders), int(n)
    if n < 0 or responders < 0 or responders > n:
        raise ValueError(f"responders ({responders}) must be between 0 and n ({n}), and n "
                         "at least 0")
    benchmarks = [("placebo, children (Rheims et al. 2008)" if placebo_rate == PLACEBO_RATE
                   else "placebo (as given)", placebo_rate,
                   "Rheims et al. 2008, PLoS Med 5:e166" if placebo_rate == PLACEBO_RATE
                   else ""), *BENCHMARKS]
    denominators = [("children analysed", n)] + [
        (f"if children had been lost as in the study: {t} children, {t - n} not analysed "
         "counted as non-responders", int(t))
        for t in totals if t > n]
    rows = []
    for (label, size), (benchmark, rate, source) in itertools.product(denominators,
                                                                      benchmarks):
        row = {"benchmark": benchmark, "benchmark_rate": rate, "source": source,
               "denominator": label, "events": responders, "n": size, "rate": np.nan,
               "exact_low": np.nan, "exact_high": np.nan, "p_value": np.nan,
               "alternative": alternative, "method": "exact", "testable": False, "note": ""}
        if size:
            test = stats.binomtest(responders, size, rate, alternative=alternative)
            low, high = proportion_ci(responders, size, "exact", confidence)
            row.update(rate=responders / size, exact_low=low, exact_high=high,
                       p_value=float(test.pvalue), testable=True)
        else:
            row["note"] = "no children: nothing to test"
        row["p_value"] = release_p(row["p_value"], min_cell_count)
        rows.append(row)
    return pd.DataFrame(rows)


def _overdispersed_counts(rng, mean_per_month: np.ndarray, months: float,
                          sd_exponent: float) -> np.ndarray:
    """Seizure counts over ``months`` of 28 days: negative binomial with the monthly SD equal
    to mean^sd_exponent (Goldenholz et al.), so variance = months * rate^(2 * exponent);
    Poisson where that would be below the mean (rates of 1 a month or fewer)."""
    mean = mean_per_month * months
    variance = months * mean_per_month ** (2.0 * sd_exponent)
    over = variance > mean * (1 + 1e-12)
    shape = np.where(over, mean ** 2 / np.where(over, variance - mean, 1.0), 1.0)
    scale = np.where(over, (variance - mean) / np.where(mean > 0, mean, 1.0), 1.0)
    expected = np.where(over, rng.gamma(shape, scale), mean)
    return rng.poisson(expected).astype(float)


_SIMULATION_BUDGET = 1_000_000
"""Simulated children (cohorts x children) that :func:`appraisal_results` asks for at most."""

_SIMULATION_BLOCK = 3_000_000
"""Candidate children drawn at once by :func:`null_simulation` (bounds its memory)."""

SIMULATION_COHORT_LIMIT = 5_000
"""Above this many children a cohort is not simulated whole: children of a simulated cohort are
independent, so its responder count is binomial; :func:`null_simulation` estimates one child's
chance of responding from ``_SIMULATION_BUDGET`` simulated children and takes the cohort's
distribution from the binomial (seconds, not the hours of 10,000 cohorts of 10^6)."""


def _enrol(rng, n_cohorts: int, n_children: int, median_rate: float, sigma_log: float,
           baseline_months: float, enrol_above: float, sd_exponent: float):
    """True rates and baseline counts of the enrolled children, cohorts x children: candidates
    are drawn for every cohort at once, the first ``n_children`` eligible ones are kept, and
    the cohorts still short are drawn again (rounds, never a loop over children)."""
    true = np.empty((n_cohorts, n_children))
    baseline = np.empty((n_cohorts, n_children))
    short = np.arange(n_cohorts)
    candidates = max(3 * n_children, 20)
    for _ in range(30):
        if short.size == 0:
            return true, baseline
        rates = median_rate * np.exp(sigma_log * rng.standard_normal((short.size, candidates)))
        counts = _overdispersed_counts(rng, rates, baseline_months, sd_exponent)
        eligible = (counts > enrol_above * rates * baseline_months) & (counts > 0)
        enough = eligible.sum(axis=1) >= n_children
        order = np.argsort(~eligible[enough], axis=1, kind="stable")[:, :n_children]
        true[short[enough]] = np.take_along_axis(rates[enough], order, axis=1)
        baseline[short[enough]] = np.take_along_axis(counts[enough], order, axis=1)
        short, candidates = short[~enough], candidates * 2
    return None if short.size else (true, baseline)


def null_simulation(n_children: int, observed_rate: float, n_cohorts: int = 10_000,
                    seed: int = 2024, true_effect: float = 0.0, median_rate: float = 18.75,
                    sigma_log: float = 1.05, baseline_months: float = 1.0,
                    followup_months: float = 1.0, enrol_above: float = 1.0,
                    responder_threshold: float = 0.5, sd_exponent: float = 0.7) -> dict:
    """How often cohorts in which IVIG does nothing reach the observed responder rate.

    Each simulated child has a true seizure rate, drawn log-normal around ``median_rate``
    (seizures per 28 days). Counts are overdispersed as diaries are: negative binomial with
    the monthly standard deviation equal to mean^0.7 (Goldenholz et al. 2018; Tharayil et al.
    2017). Treatment starts after a bad stretch: the baseline is counted over a short window
    (``baseline_months``) and a child is enrolled only when that count is above
    ``enrol_above`` times the child's own expected count (1: above their own mean; 0: no
    selection beyond at least one seizure). The one-year frequency is a fresh window
    (``followup_months``) of the same true rate, reduced by ``true_effect``. A child responds
    when the one-year frequency is at most ``1 - responder_threshold`` times the baseline
    frequency.

    Everything is drawn at once for cohorts x children; candidates who are not enrolled are
    replaced by drawing more (rounds over the cohorts still short, never a loop over children).

    Parameters
    ----------
    n_children : int
        Children per simulated cohort.
    observed_rate : float
        The cohort's responder rate (for the study, 22/60).
    n_cohorts : int
        Simulated cohorts.
    seed : int
        Seed of the generator.
    true_effect : float
        Fractional reduction of every child's true rate on treatment (0: no effect).
    median_rate, sigma_log : float
        Median and log-scale standard deviation of the children's true rates (defaults: the
        bundled cohort's median baseline, 18.75 a month, and the SD of its log baselines).
    baseline_months, followup_months : float
        Windows of 28 days over which the baseline and the one-year frequency are counted.
    enrol_above : float
        Enrolment rule, as above.
    responder_threshold : float
        The fall that makes a responder.
    sd_exponent : float
        Monthly SD = mean^sd_exponent (Goldenholz: about 0.58 to 0.70).

    Returns
    -------
    dict
        ``share_reaching_observed`` (share of cohorts whose responder rate is at least the
        observed one), ``median_responder_rate``, ``responder_rate_low`` and
        ``responder_rate_high`` (2.5th and 97.5th percentiles of the simulated rates),
        ``mean_responder_rate``, ``observed_rate``, ``method`` ("Monte Carlo"), ``settings``
        (every argument), ``note``.

    References
    ----------
    Goldenholz DM, et al. Is seizure frequency variance a predictable quantity? Ann Clin
    Transl Neurol 2018. Goldenholz DM, et al. Seizure 2017;53:31 (regression to the mean).
    Tharayil JJ, et al. Epilepsia 2017;58:835.

    Examples
    --------
    >>> sim = null_simulation(60, 22 / 60, n_cohorts=2000, seed=1)
    >>> sim["share_reaching_observed"] < 0.05 < sim["median_responder_rate"] < 0.3
    True
    """
    settings = {"n_children": n_children, "observed_rate": observed_rate,
                "n_cohorts": n_cohorts, "seed": seed, "true_effect": true_effect,
                "median_rate": median_rate, "sigma_log": sigma_log,
                "baseline_months": baseline_months, "followup_months": followup_months,
                "enrol_above": enrol_above, "responder_threshold": responder_threshold,
                "sd_exponent": sd_exponent}
    out = {"share_reaching_observed": float("nan"), "median_responder_rate": float("nan"),
           "responder_rate_low": float("nan"), "responder_rate_high": float("nan"),
           "mean_responder_rate": float("nan"), "observed_rate": observed_rate,
           "method": "Monte Carlo", "settings": settings, "note": ""}
    if not (0 <= true_effect <= 1):
        raise ValueError(f"true_effect must be between 0 and 1, not {true_effect!r}")
    if n_children < 1 or n_cohorts < 1 or not (median_rate > 0):
        out["note"] = "no children, no cohorts or no baseline rate: nothing to simulate"
        return out
    rng = np.random.default_rng(seed)
    if n_children > SIMULATION_COHORT_LIMIT:
        return _null_by_binomial(rng, n_children, observed_rate, true_effect, median_rate,
                                 sigma_log, baseline_months, followup_months, enrol_above,
                                 responder_threshold, sd_exponent, out)
    true = np.empty((n_cohorts, n_children))
    baseline = np.empty((n_cohorts, n_children))
    block = max(1, _SIMULATION_BLOCK // (3 * n_children))  # cohorts per block: bounded memory
    for start in range(0, n_cohorts, block):
        rows = slice(start, min(n_cohorts, start + block))
        filled = _enrol(rng, rows.stop - rows.start, n_children, median_rate, sigma_log,
                        baseline_months, enrol_above, sd_exponent)
        if filled is None:
            out["note"] = "the enrolment rule admits too few children: cohorts not filled"
            return out
        true[rows], baseline[rows] = filled
    followup = _overdispersed_counts(rng, true * (1.0 - true_effect), followup_months,
                                     sd_exponent)
    ratio = (followup / followup_months) / (baseline / baseline_months)
    responder = ratio <= 1.0 - responder_threshold + _EPS
    rate = responder.mean(axis=1)
    low, median, high = np.percentile(rate, [2.5, 50, 97.5])
    share = float((rate >= observed_rate - _EPS).mean()) if np.isfinite(observed_rate) \
        else float("nan")
    out.update(share_reaching_observed=share, median_responder_rate=float(median),
               responder_rate_low=float(low), responder_rate_high=float(high),
               mean_responder_rate=float(rate.mean()),
               note=f"{n_cohorts} simulated cohorts of {n_children} children, seed {seed}")
    return out


def _null_by_binomial(rng, n_children, observed_rate, true_effect, median_rate, sigma_log,
                      baseline_months, followup_months, enrol_above, responder_threshold,
                      sd_exponent, out: dict) -> dict:
    """:func:`null_simulation` for a large cohort: one pool of simulated children gives the
    chance that a child responds; the cohort's responder count is then binomial."""
    pool = _SIMULATION_BUDGET
    filled = _enrol(rng, 1, pool, median_rate, sigma_log, baseline_months, enrol_above,
                    sd_exponent)
    if filled is None:
        out["note"] = "the enrolment rule admits too few children: cohorts not filled"
        return out
    true, baseline = filled
    followup = _overdispersed_counts(rng, true * (1.0 - true_effect), followup_months,
                                     sd_exponent)
    ratio = (followup / followup_months) / (baseline / baseline_months)
    chance = float((ratio <= 1.0 - responder_threshold + _EPS).mean())
    cohort = stats.binom(n_children, chance)
    low, median, high = cohort.ppf([0.025, 0.5, 0.975]) / n_children
    share = float("nan")
    if np.isfinite(observed_rate):
        at_least = int(np.ceil(observed_rate * n_children - 1e-9))  # responders observed
        share = float(cohort.sf(at_least - 1))
    out["settings"]["n_cohorts"] = None
    out["settings"]["simulated_children"] = pool
    out.update(share_reaching_observed=share, median_responder_rate=float(median),
               responder_rate_low=float(low), responder_rate_high=float(high),
               mean_responder_rate=chance,
               note=f"a child's chance of responding estimated from {pool:,} simulated "
                    f"children ({chance:.1%}); cohorts of {n_children:,} children then follow "
                    f"the binomial distribution (above {SIMULATION_COHORT_LIMIT:,} children, "
                    f"cohorts are not simulated whole)")
    return out

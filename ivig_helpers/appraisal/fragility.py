"""How fragile "p = 0.019 in the generalized group" is: the exact signed-rank p
(:func:`exact_signed_rank_p`), the p-value under every reasonable analytic choice
(:func:`specification_curve`) and the share of them below alpha
(:func:`specification_share`)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ..benchmarks_published import PLACEBO_RATE
from ..outcomes import add_outcomes, check_outcome_parameters
from ._shared import _typed
from .placebo import STUDY_ATTRITION, itt_totals

MAX_EXACT_PAIRS = 20
"""Non-zero pairs up to which the exact signed-rank p enumerates every sign flip (2^20 about a
million); above it the asymptotic p is used and the note says so."""


def _signed_ranks(differences: np.ndarray, zero_method: str) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks of |d| for the non-zero differences (Pratt: zeros ranked, then dropped),
    and the sign of each of those differences."""
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    if zero_method == "pratt":
        ranks = stats.rankdata(np.abs(d))
        keep = d != 0
        return ranks[keep], np.sign(d[keep])
    d = d[d != 0]
    return stats.rankdata(np.abs(d)), np.sign(d)


def _exact_p_from_ranks(ranks: np.ndarray, signs: np.ndarray) -> float:
    """Two-sided exact conditional p: the share of the 2^k sign flips whose positive rank sum is
    at least as far from its mean as the observed one (meet in the middle, vectorised)."""
    k = ranks.size
    if k == 0:
        return float("nan")
    doubled = np.rint(2 * ranks).astype(np.int64)  # average ranks are multiples of 1/2
    total = int(doubled.sum())
    observed = int(doubled[signs > 0].sum())
    distance = abs(2 * observed - total)
    if distance == 0:
        return 1.0

    def all_sums(part):
        bits = (np.arange(2 ** part.size)[:, None] >> np.arange(part.size)) & 1
        return bits @ part

    first = all_sums(doubled[: k // 2])
    second = np.sort(all_sums(doubled[k // 2:]))
    low = (total - distance) // 2          # 2 * sum <= total - distance
    high = -((-(total + distance)) // 2)   # 2 * sum >= total + distance (ceiling)
    count = np.searchsorted(second, low - first, side="right").sum()
    count += (second.size - np.searchsorted(second, high - first, side="left")).sum()
    return float(min(1.0, count / 2.0 ** k))


def exact_signed_rank_p(before, after, zero_method: str = "wilcox",
                        max_pairs: int = MAX_EXACT_PAIRS) -> float:
    """Exact conditional two-sided p of the Wilcoxon signed-rank test, by enumeration.

    The k non-zero differences keep their absolute values (average ranks for ties); under the
    null hypothesis each sign is + or - with probability 1/2, so all 2^k sign flips are equally
    likely. The p-value is the share of flips whose sum of positive ranks lies at least as far
    from its mean as the observed one. This is exact given the ties and zeros seen (it is
    "conditional" on them), unlike the normal approximation that SPSS reports.

    Parameters
    ----------
    before, after : array_like
        Paired values; pairs with a missing value are dropped.
    zero_method : {"wilcox", "pratt"}
        "wilcox" drops the pairs with no change before ranking; "pratt" ranks them and then
        leaves their ranks out.
    max_pairs : int
        Enumerate only up to this many non-zero pairs (2^k sign flips).

    Returns
    -------
    float
        The p-value; NaN when no pair changed or when there are more than ``max_pairs``
        non-zero pairs (then use the asymptotic test, as :func:`specification_curve` does).

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> generalized = patients[patients["seizure_type"] == "generalized"]
    >>> round(exact_signed_rank_p(generalized["baseline_score"], generalized["month12_score"]), 4)
    0.0234
    """
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    ranks, signs = _signed_ranks(after - before, zero_method)
    if ranks.size == 0 or ranks.size > max_pairs:
        return float("nan")
    return _exact_p_from_ranks(ranks, signs)


def _signed_rank_row(differences: np.ndarray, variant: str, zero_method: str,
                     max_pairs: int) -> dict:
    """One Wilcoxon signed-rank test of differences against 0, as a specification row."""
    d = differences[np.isfinite(differences)]
    ranks, signs = _signed_ranks(d, zero_method)
    n_zero = int((d == 0).sum())
    row = {"n": int(d.size), "n_changed": int(ranks.size), "statistic": np.nan,
           "p_value": np.nan, "method": "exact" if variant == "exact" else "asymptotic",
           "testable": False, "note": "",
           "key": (variant, zero_method if n_zero else "wilcox",
                   n_zero if zero_method == "pratt" else 0,
                   tuple(np.round(ranks * signs, 6)))}
    if ranks.size == 0:
        row["note"] = "no child changed"
        return row
    row["statistic"] = float(min(ranks[signs > 0].sum(), ranks[signs < 0].sum()))
    if variant == "exact" and ranks.size <= max_pairs:
        row.update(p_value=_exact_p_from_ranks(ranks, signs), testable=True,
                   note=f"all 2^{ranks.size} sign flips enumerated")
        return row
    correction = variant == "asymptotic, continuity corrected"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.wilcoxon(d, zero_method=zero_method, correction=correction,
                                method="approx")
    row.update(p_value=float(result.pvalue), testable=bool(np.isfinite(result.pvalue)))
    if variant == "exact":
        row.update(method="asymptotic", key=("asymptotic", *row["key"][1:]),
                   note=f"{ranks.size} non-zero pairs, above {max_pairs}: the asymptotic p "
                        "(no continuity correction) stands in for the exact one")
    return row


_WILCOXON_VARIANTS = (
    ("asymptotic", "Wilcoxon signed-rank, asymptotic without continuity correction (SPSS)"),
    ("asymptotic, continuity corrected",
     "Wilcoxon signed-rank, asymptotic with continuity correction"),
    ("exact", "Wilcoxon signed-rank, exact conditional (every sign flip)"),
)


def _paired_specifications(group: pd.DataFrame, max_pairs: int) -> list[dict]:
    """The within-group tests of change, under every analytic choice."""
    outcomes = (
        ("score", "seizure frequency score", "baseline_score", "month12_score"),
        ("frequency", "seizures per 28 days", "baseline_seizures_per_month",
         "month12_seizures_per_month"),
        ("percent change", "percent change against 0", None, "percent_change"),
    )
    missing = ~group["has_followup"].to_numpy(dtype=bool)
    handlings = [("complete pairs", False)]
    if missing.any():
        handlings.append(("no change imputed (baseline carried forward)", True))
    rows = []
    for (outcome, words, before, after), (handling, impute) in itertools.product(
            outcomes, handlings):
        if before is None:
            differences = group[after].to_numpy(dtype=float)
        else:
            differences = (group[after] - group[before]).to_numpy(dtype=float)
        # add_outcomes already counts a missing one-year value as no change (non-responder);
        # "complete pairs" leaves those children out again
        differences = np.where(missing, 0.0 if impute else np.nan, differences)
        present = differences[np.isfinite(differences)]
        zero_methods = ["wilcox", "pratt"] if (present == 0).any() else ["wilcox"]
        common = {"family": "change within the group", "outcome": outcome,
                  "missing_followup": handling, "responder_threshold": np.nan,
                  "denominator": None, "events": np.nan}
        for zero_method, (variant, test) in itertools.product(zero_methods, _WILCOXON_VARIANTS):
            zeros = {"wilcox": "no-change pairs dropped", "pratt": "no-change pairs ranked "
                     "(Pratt)"}[zero_method] if len(zero_methods) == 2 else "no pair unchanged"
            row = _signed_rank_row(differences, variant, zero_method, max_pairs)
            rows.append({**common, **row, "test": test, "zero_method": zero_method,
                         "specification": f"{words}: {test}; {zeros}; {handling}"})
        positive, negative = int((present > 0).sum()), int((present < 0).sum())
        row = {**common, "test": "sign test (exact binomial)", "zero_method": "wilcox",
               "n": int(present.size), "n_changed": positive + negative, "statistic": np.nan,
               "p_value": np.nan, "method": "exact", "testable": False, "note": "",
               "key": ("sign", positive, negative),
               "specification": f"{words}: sign test (exact binomial); no-change pairs "
                                f"dropped; {handling}"}
        if positive + negative:
            test = stats.binomtest(positive, positive + negative, 0.5)
            row.update(statistic=float(positive), p_value=float(test.pvalue), testable=True,
                       note=f"{positive} up, {negative} down")
        else:
            row["note"] = "no child changed"
        rows.append(row)
    return rows


def _responder_specifications(table: pd.DataFrame, group: str, thresholds, placebo_rate: float,
                              attrition) -> list[dict]:
    """The group's responder rate against the placebo rate, under every analytic choice."""
    in_file = int((table["seizure_type"] == group).sum())
    rows = []
    any_missing = bool(table.loc[table["seizure_type"] == group,
                                 "month12_seizures_per_month"].isna().any())
    handlings = ["nonresponder", "exclude"] if any_missing else ["nonresponder"]
    for threshold, handling in itertools.product(thresholds, handlings):
        patients = add_outcomes(table, threshold, handling)
        part = patients[patients["seizure_type"] == group]
        events, n = int(part["responder"].sum()), len(part)
        denominators = [("children analysed", n)]
        if handling == "nonresponder":
            for total in itt_totals(len(table), attrition):
                # the children lost are shared out in the group's proportion
                extra = int(round((total - len(table)) * in_file / len(table)))
                denominators.append((f"if children had been lost as in the study: {total} "
                                     f"in all, {extra} more in the group counted as "
                                     "non-responders", n + extra))
        for label, size in denominators:
            words = "missing follow-up as non-responder" if handling == "nonresponder" \
                else "missing follow-up excluded"
            row = {"family": "responder rate against placebo", "outcome": "responder",
                   "test": f"exact binomial, one-sided, against placebo {placebo_rate:.1%}",
                   "zero_method": None, "missing_followup": words,
                   "responder_threshold": threshold, "denominator": label, "n": size,
                   "n_changed": np.nan, "events": events, "statistic": np.nan,
                   "p_value": np.nan, "method": "exact", "testable": False, "note": "",
                   "key": ("binomial", events, size),
                   "specification": f"responders (at least {threshold:.0%} fewer seizures) "
                                    f"against placebo {placebo_rate:.1%}; {words}; {label}"}
            if size:
                test = stats.binomtest(events, size, placebo_rate, alternative="greater")
                row.update(statistic=events / size, p_value=float(test.pvalue), testable=True,
                           note=f"{events} of {size}" + _BENCHMARK_CAVEAT.get(
                               (threshold > 0.5) - (threshold < 0.5), ""))
            else:
                row["note"] = "no child in the group"
            rows.append(row)
    return rows


_BENCHMARK_CAVEAT = {
    -1: "; the placebo rate counts at least 50% fewer seizures: against it a lower threshold "
        "flatters",
    1: "; the placebo rate counts at least 50% fewer seizures: against it a higher threshold "
       "is harsh"}

SPECIFICATION_COLUMNS = [
    "specification", "family", "outcome", "test", "zero_method", "missing_followup",
    "responder_threshold", "denominator", "n", "n_changed", "events", "statistic", "p_value",
    "method", "significant", "testable", "also_covers", "note"]


def specification_curve(table: pd.DataFrame, group: str = "generalized", alpha: float = 0.05,
                        thresholds=(0.25, 0.5, 0.75), placebo_rate: float = PLACEBO_RATE,
                        attrition=STUDY_ATTRITION, include_responders: bool = True,
                        max_exact_pairs: int = MAX_EXACT_PAIRS) -> pd.DataFrame:
    """The group's within-group p-value under every reasonable analytic choice.

    Two families of specifications:

    - **change within the group**: outcome (score, seizures per 28 days, percent change against
      0) x test (Wilcoxon signed-rank asymptotic without continuity correction as SPSS, with
      it, exact conditional by enumerating every sign flip; sign test) x pairs with no change
      (dropped, or ranked as Pratt) x missing one-year follow-up (pairs dropped, or no change
      imputed; the latter only when a child of the group lacks follow-up);
    - **responder rate against placebo** (``include_responders``): the one-sided exact binomial
      test of the group's responder rate against ``placebo_rate``, for each responder
      threshold, missing follow-up as non-responder or excluded, and as an intention-to-treat
      bound with the attrition of the study (``attrition``: 60 analysed of 67 included and of
      74 identified, so 67 and 74 children for a cohort of 60; see :func:`itt_totals`): the
      children not analysed are shared out in the group's proportion and counted as
      non-responders. The placebo rates count at least 50% fewer seizures: against them a 25%
      threshold flatters and a 75% one is harsh (the rows' notes say so).

    Specifications that come down to the same test on the same numbers (the sign test on
    frequencies and on percent changes; zeros dropped whether or not a missing value was
    imputed as no change) are listed once, with the others in ``also_covers``, so that no
    analysis is counted twice.

    Parameters
    ----------
    table : DataFrame
        The cohort (``load_cohort(...).table``); a patient table from
        :func:`ivig_helpers.add_outcomes` also works (its outcomes are recomputed).
    group : str
        The seizure type.
    alpha : float
        Significance level for ``significant``.
    thresholds : sequence of float
        Responder thresholds of the responder family.
    placebo_rate : float
        The placebo responder rate of the responder family.
    attrition : sequence of (int, int)
        (analysed, before) pairs of the intention-to-treat bound; () for none.
    include_responders : bool
        Whether to include the responder family.
    max_exact_pairs : int
        Enumerate the exact signed-rank p up to this many non-zero pairs.

    Returns
    -------
    DataFrame
        One row per specification: ``specification`` (a label that says every choice),
        ``family``, ``outcome``, ``test``, ``zero_method``, ``missing_followup``,
        ``responder_threshold``, ``denominator``, ``n`` (pairs, or children in the
        denominator), ``n_changed`` (non-zero pairs), ``events`` (responders), ``statistic``
        (W as the smaller rank sum; pairs that rose for the sign test; the responder rate),
        ``p_value`` (two-sided for change, one-sided for responders), ``method``,
        ``significant`` (p below ``alpha``), ``testable``, ``also_covers`` (specifications
        that are the same test on the same numbers), ``note``.

    References
    ----------
    Simonsohn U, Simmons JP, Nelson LD. Specification curve analysis. Nat Hum Behav
    2020;4:1208-14.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort
    >>> curve = specification_curve(load_cohort(BUNDLED_COHORT).table)
    >>> spss = curve["specification"].str.startswith("seizure frequency score: Wilcoxon "
    ...                                               "signed-rank, asymptotic without")
    >>> round(float(curve.loc[spss, "p_value"].iloc[0]), 4)
    0.0186
    >>> exact = curve["test"].str.startswith("Wilcoxon signed-rank, exact")
    >>> curve.loc[exact & (curve["outcome"] == "score"), "p_value"].round(4).tolist()
    [0.0234, 0.0234]
    >>> 0 <= specification_share(curve) <= 1
    True
    """
    data = _typed(table)
    for threshold in thresholds:  # a handful of thresholds, checked before any work
        check_outcome_parameters(threshold, "nonresponder")
    patients = add_outcomes(data, 0.5, "nonresponder")
    part = patients[patients["seizure_type"] == group]
    rows = _paired_specifications(part, max_exact_pairs)
    if include_responders:
        rows += _responder_specifications(data, group, thresholds, placebo_rate, attrition)
    kept, merged = {}, {}
    for row in rows:
        key = (row["family"], row.pop("key"))
        if key in kept:
            merged[key].append(row["specification"] + (f" ({row['note']})" if row["note"]
                                                       and "stands in" in row["note"] else ""))
        else:
            kept[key], merged[key] = row, []
    result = []
    for key, row in kept.items():
        row["also_covers"] = "; ".join(merged[key])
        row["significant"] = bool(row["testable"] and row["p_value"] < alpha)
        if not part.shape[0]:
            row["note"] = f"no {group} children in this cohort"
        result.append(row)
    return pd.DataFrame(result, columns=SPECIFICATION_COLUMNS)


def specification_share(curve: pd.DataFrame, alpha: float | None = None,
                        family: str | None = None) -> float:
    """Share of the testable specifications with p below alpha (NaN when none is testable).

    Parameters
    ----------
    curve : DataFrame
        Output of :func:`specification_curve`.
    alpha : float, optional
        Significance level; by default the one the curve was made with (its ``significant``).
    family : str, optional
        Only the specifications of this family ("change within the group" or "responder rate
        against placebo").

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort
    >>> curve = specification_curve(load_cohort(BUNDLED_COHORT).table)
    >>> share = specification_share(curve, family="change within the group")
    >>> within = curve[curve["family"] == "change within the group"]
    >>> bool(share == (within["p_value"] < 0.05).mean())
    True
    """
    rows = curve if family is None else curve[curve["family"] == family]
    rows = rows[rows["testable"].astype(bool)]
    if rows.empty:
        return float("nan")
    hits = rows["significant"] if alpha is None else rows["p_value"] < alpha
    return float(hits.astype(bool).mean())

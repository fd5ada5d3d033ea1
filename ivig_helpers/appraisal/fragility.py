"""How fragile "p = 0.019 in the generalized group" is: the exact signed-rank p
(:func:`exact_signed_rank_p`) and a fair multiverse of the claim (:func:`specification_curve`):
one row per distinct analysis, grouped by the choice it varies, each family's spread
(:func:`specification_families`) and share below alpha (:func:`specification_share`), never
one share pooled over questions that differ."""

from __future__ import annotations

import hashlib
import itertools
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ..benchmarks_published import PLACEBO_RATE
from ..comparisons import holm
from ..contract import SEIZURE_TYPES
from ..outcomes import SCORE_BOUNDS, add_outcomes, check_outcome_parameters, percent_change
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


# --- the multiverse: one row per distinct analysis, grouped by the choice it varies -------------

WITHIN = "change within the group"
PLACEBO = "responder rate against placebo"
BETWEEN = "between the seizure types"

FAMILIES = {
    "test": (WITHIN, "the test of the score change: Wilcoxon signed-rank asymptotic (with or "
                     "without continuity correction) or exact, unchanged children dropped or "
                     "ranked (Pratt), or the sign test"),
    "score scale and cut-points": (WITHIN, "what is compared before and after: the 0-5 score, "
                                           "the score with other cut-points, seizures per 28 "
                                           "days, their logarithm, the percent change"),
    "missing follow-up": (WITHIN, "a child without one-year follow-up: no change, left out, "
                                  "or the 3-month value carried forward"),
    "exclusions": (WITHIN, "which children: all, the published ages 2 to 18 only, without the "
                           "lowest or the highest tenth of baselines"),
    "responder rate against placebo": (PLACEBO, "one-sided exact binomial tests against the "
                                                "external placebo rate: responder threshold, "
                                                "missing follow-up, children not analysed"),
    "between the types": (BETWEEN, "the group against the other seizure types: Fisher's exact "
                                   "test of responders at each threshold, Mann-Whitney tests "
                                   "of the change"),
}
"""The families of the multiverse: family -> (the question it asks, the choice it varies). A
family's share is never pooled with another's: they ask different questions."""

_WILCOXON = {
    "asymptotic": "Wilcoxon signed-rank, asymptotic without continuity correction (SPSS)",
    "asymptotic, continuity corrected": "Wilcoxon signed-rank, asymptotic with continuity "
                                        "correction",
    "exact": "Wilcoxon signed-rank, exact conditional (every sign flip)"}
_ZEROS = {"wilcox": "unchanged children dropped", "pratt": "unchanged children ranked (Pratt)"}
_SIGN = "sign test (exact binomial)"

_SCALES = {  # name -> (words, cut-points of a score or None)
    "score": ("seizure frequency score 0-5 (cut-points 1, 4, 28, 84 per 28 days)", SCORE_BOUNDS),
    "score, 4 levels": ("score 0-4 (cut-points 1, 4, 28: daily or more is one level)",
                        SCORE_BOUNDS[:3]),
    "score, cut-points halved": ("score 0-5 with cut-points halved (0.5, 2, 14, 42)",
                                 tuple(b / 2 for b in SCORE_BOUNDS)),
    "score, cut-points doubled": ("score 0-5 with cut-points doubled (2, 8, 56, 168)",
                                  tuple(b * 2 for b in SCORE_BOUNDS)),
    "frequency": ("seizures per 28 days", None),
    "log frequency": ("log(1 + seizures per 28 days)", None),
    "percent change": ("percent change against 0", None),
}
_MISSING = {"no change": "missing follow-up as no change (non-responder)",
            "left out": "missing follow-up left out",
            "carried forward": "missing follow-up: the 3-month value carried forward"}
_EXCLUSIONS = {"every child": "every child",
               "ages 2 to 18": "only children aged 2 to 18 (the published range; blank ages "
                               "kept)",
               "no lowest tenth": "baselines below the cohort's 10th centile left out",
               "no highest tenth": "baselines above the cohort's 90th centile left out"}
EXCLUSION_CENTILES = (0.10, 0.90)
"""Assumed: the centiles of the cohort's baselines outside which children are left out in the
exclusions family (the data contract requires a baseline above 0, so none is 0)."""
REFERENCE = {"scale": "score", "test": ("wilcoxon", "asymptotic", "wilcox"),
             "missing": "no change", "exclusion": "every child", "threshold": 0.5}
"""The reference analysis (assumed: the study's likeliest, FACTS section 1) from which each
family varies one choice."""


def _digest(values) -> str:
    return hashlib.sha1(np.ascontiguousarray(values, dtype=float).tobytes()).hexdigest()


def _paired_test(d: np.ndarray, kind: str, variant: str, zero_method: str,
                 max_pairs: int) -> dict:
    """One within-group test of differences against 0, with its content key: the signed ranks
    (or the counts up and down) it rests on and the procedure actually run."""
    d = d[np.isfinite(d)]
    n_zero = int((d == 0).sum())
    out = {"n": int(d.size), "n_changed": int(d.size - n_zero), "statistic": np.nan,
           "p_value": np.nan, "method": "exact", "testable": False, "note": ""}
    if kind == "sign":
        up, down = int((d > 0).sum()), int((d < 0).sum())
        out["key"] = ("sign", up, down)
        if up + down:
            out.update(statistic=float(up), testable=True, note=f"{up} up, {down} down",
                       p_value=float(stats.binomtest(up, up + down, 0.5).pvalue))
        else:
            out["note"] = "no child changed"
        return out
    zeros = zero_method if n_zero else "wilcox"  # Pratt without zeros is the same test
    ranks, signs = _signed_ranks(d, zeros)
    run = variant if variant != "exact" or ranks.size <= max_pairs else "asymptotic"
    out["method"] = "exact" if run == "exact" else "asymptotic"
    out["key"] = ("wilcoxon", run, zeros, n_zero if zeros == "pratt" else 0,
                  _digest(np.sort(ranks * signs)))
    if run != variant:
        out["note"] = (f"{ranks.size} changed, above {max_pairs}: the asymptotic p (no "
                       "continuity correction) stands in for the exact one")
    if ranks.size == 0:
        out["note"] = "no child changed"
        return out
    out["statistic"] = float(min(ranks[signs > 0].sum(), ranks[signs < 0].sum()))
    if run == "exact":
        out.update(p_value=_exact_p_from_ranks(ranks, signs), testable=True,
                   note=f"all 2^{ranks.size} sign flips enumerated")
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.wilcoxon(d, zero_method=zeros, method="approx",
                                correction=run == "asymptotic, continuity corrected")
    out.update(p_value=float(result.pvalue), testable=bool(np.isfinite(result.pvalue)))
    return out


def _score(values: np.ndarray, bounds) -> np.ndarray:
    """A frequency score with these cut-points (as :func:`ivig_helpers.frequency_score`)."""
    score = np.searchsorted(np.asarray(bounds, dtype=float), values, side="right") + 1.0
    score[values == 0] = 0.0
    score[np.isnan(values)] = np.nan
    return score


def _differences(data: pd.DataFrame, scale: str, missing: str, exclusion: str) -> np.ndarray:
    """Each child's change on a scale, NaN for a child the choice leaves out."""
    before = data["baseline_seizures_per_month"].to_numpy(dtype=float)
    after = data["month12_seizures_per_month"].to_numpy(dtype=float)
    lost = np.isnan(after)
    if missing == "no change":
        after = np.where(lost, before, after)
    elif missing == "carried forward":
        month3 = data["month3_seizures_per_month"].to_numpy(dtype=float)
        after = np.where(lost, np.where(np.isnan(month3), before, month3), after)
    bounds = _SCALES[scale][1]
    if bounds is not None:
        d = _score(after, bounds) - _score(before, bounds)
    elif scale == "frequency":
        d = after - before
    elif scale == "log frequency":
        d = np.log1p(after) - np.log1p(before)
    else:
        d = percent_change(before, after)
    keep = np.ones(len(data), dtype=bool)
    if exclusion == "ages 2 to 18":
        age = data["age_years"].to_numpy(dtype=float)
        keep = ~((age < 2) | (age > 18))
    elif exclusion in ("no lowest tenth", "no highest tenth") and before.size:
        low, high = np.quantile(before, EXCLUSION_CENTILES)
        keep = before >= low if exclusion == "no lowest tenth" else before <= high
    return np.where(keep, d, np.nan)


def _within_specifications(data: pd.DataFrame, kinds: np.ndarray, group: str,
                           max_pairs: int) -> list[dict]:
    """The within-group families: each varies one choice of the reference analysis."""
    ref = REFERENCE
    choices = {
        "test": [dict(test=(k, v, z)) for k, v, z in
                 [("wilcoxon", v, z) for z in _ZEROS for v in _WILCOXON] + [("sign", "", "")]],
        "score scale and cut-points": [dict(scale=s) for s in _SCALES],
        "missing follow-up": [dict(missing=m) for m in _MISSING
                              if m != "carried forward" or "month3_seizures_per_month" in data],
        "exclusions": [dict(exclusion=e) for e in _EXCLUSIONS
                       if e != "ages 2 to 18" or "age_years" in data],
    }
    cache, rows = {}, []
    for family, options in choices.items():
        for option in options:
            spec = {"scale": ref["scale"], "test": ref["test"], "missing": ref["missing"],
                    "exclusion": ref["exclusion"], **option}
            where = (spec["scale"], spec["missing"], spec["exclusion"])
            if where not in cache:
                cache[where] = _differences(data, *where)
            d = cache[where]
            kind, variant, zero_method = spec["test"]
            by_type = {k: _paired_test(d[kinds == k], kind, variant, zero_method, max_pairs)
                       for k in SEIZURE_TYPES}
            test = _SIGN if kind == "sign" else _WILCOXON[variant]
            zeros = "unchanged children dropped" if kind == "sign" else _ZEROS[zero_method]
            label = (f"{_SCALES[spec['scale']][0]}: {test}; {zeros}; "
                     f"{_MISSING[spec['missing']]}; {_EXCLUSIONS[spec['exclusion']]}")
            rows.append({**_with_holm(by_type, group), "question": WITHIN, "family": family,
                         "reference": all(spec[k] == ref[k] for k in spec),
                         "outcome": spec["scale"], "test": test,
                         "zero_method": zero_method or "wilcox",
                         "missing_followup": _MISSING[spec["missing"]],
                         "exclusion": _EXCLUSIONS[spec["exclusion"]],
                         "responder_threshold": np.nan, "denominator": None, "events": np.nan,
                         "specification": label})
    return rows


def _with_holm(by_type: dict, group: str) -> dict:
    """The group's test, with its Holm-adjusted p among the types that could be tested."""
    row = dict(by_type[group])
    tested = {k: (r["p_value"] if r["testable"] else None) for k, r in by_type.items()}
    adjusted = holm(tested)
    row["p_holm"] = np.nan if adjusted[group] is None else float(adjusted[group])
    row["holm_groups"] = sum(p is not None for p in tested.values())
    return row


def _responders(data: pd.DataFrame, threshold: float, missing: str) -> pd.DataFrame:
    if missing == "carried forward":
        month3 = data["month3_seizures_per_month"]
        data = data.assign(month12_seizures_per_month=data["month12_seizures_per_month"]
                           .fillna(month3))
        missing = "nonresponder"
    return add_outcomes(data, threshold, "exclude" if missing == "left out" else "nonresponder")


def _placebo_specifications(data: pd.DataFrame, group: str, thresholds, placebo_rate: float,
                            attrition) -> list[dict]:
    """The group's responder rate against the placebo rate (one-sided exact binomial), for
    each threshold, handling of missing follow-up and denominator; Holm over the types."""
    in_file = {k: int((data["seizure_type"] == k).sum()) for k in SEIZURE_TYPES}
    lost = bool(data["month12_seizures_per_month"].isna().any())
    handlings = ["no change"] + (["left out"] if lost else []) + (
        ["carried forward"] if lost and "month3_seizures_per_month" in data else [])
    test = f"exact binomial, one-sided, against placebo {placebo_rate:.1%}"
    rows = []
    for threshold, missing in itertools.product(thresholds, handlings):
        patients = _responders(data, threshold, missing)
        kinds = patients["seizure_type"].to_numpy()
        responder = patients["responder"].to_numpy(dtype=bool)
        counts = {k: (int((responder & (kinds == k)).sum()), int((kinds == k).sum()))
                  for k in SEIZURE_TYPES}
        denominators = [("children analysed", dict.fromkeys(SEIZURE_TYPES, 0))]
        if missing == "no change":
            for total in itt_totals(len(data), attrition):
                # the children lost are shared out in each type's proportion
                extra = {k: int(round((total - len(data)) * in_file[k] / len(data)))
                         for k in SEIZURE_TYPES}
                denominators.append((f"if children had been lost as in the study: {total} in "
                                     f"all, {extra[group]} more in the group counted as "
                                     "non-responders", extra))
        for label, extra in denominators:
            by_type = {k: _binomial(counts[k][0], counts[k][1] + extra[k], placebo_rate)
                       for k in SEIZURE_TYPES}
            words = _MISSING[missing]
            note = _BENCHMARK_CAVEAT.get((threshold > 0.5) - (threshold < 0.5), "")
            row = _with_holm(by_type, group)
            rows.append({**row, "note": row["note"] + note, "question": PLACEBO,
                         "family": "responder rate against placebo",
                         "reference": threshold == 0.5 and missing == "no change"
                         and label == "children analysed",
                         "outcome": "responder", "test": test, "zero_method": None,
                         "missing_followup": words, "exclusion": _EXCLUSIONS["every child"],
                         "responder_threshold": threshold, "denominator": label,
                         "n_changed": np.nan,
                         "specification": f"responders (at least {threshold:.0%} fewer "
                                          f"seizures) against placebo {placebo_rate:.1%}; "
                                          f"{words}; {label}"})
    return rows


def _binomial(events: int, n: int, rate: float) -> dict:
    out = {"n": n, "events": events, "statistic": np.nan, "p_value": np.nan, "method": "exact",
           "testable": False, "note": "no child in the group",
           "key": ("binomial", events, n, rate, "greater")}
    if n:
        out.update(statistic=events / n, testable=True, note=f"{events} of {n}",
                   p_value=float(stats.binomtest(events, n, rate,
                                                 alternative="greater").pvalue))
    return out


def _between_specifications(data: pd.DataFrame, group: str, thresholds) -> list[dict]:
    """The group against the other types together: Fisher's exact test of responders at each
    threshold, Mann-Whitney tests of the change (missing follow-up as no change)."""
    rows = []
    kinds = data["seizure_type"].to_numpy()
    mine, others = kinds == group, kinds != group
    common = {"question": BETWEEN, "family": "between the types", "zero_method": None,
              "missing_followup": _MISSING["no change"], "exclusion": _EXCLUSIONS["every child"],
              "denominator": None, "p_holm": np.nan, "holm_groups": 0, "n_changed": np.nan}
    for threshold in thresholds:
        responder = _responders(data, threshold, "no change")["responder"].to_numpy(dtype=bool)
        table = [[int((responder & mine).sum()), int((~responder & mine).sum())],
                 [int((responder & others).sum()), int((~responder & others).sum())]]
        out = {"n": int(mine.sum() + others.sum()), "events": table[0][0] + table[1][0],
               "statistic": np.nan, "p_value": np.nan, "method": "exact", "testable": False,
               "key": ("fisher", *table[0], *table[1]),
               "note": f"{table[0][0]} of {sum(table[0])} against {table[1][0]} of "
                       f"{sum(table[1])}"}
        if sum(table[0]) and sum(table[1]):
            result = stats.fisher_exact(table)
            odds = float(result.statistic)
            out.update(statistic=odds if np.isfinite(odds) else np.nan, testable=True,
                       p_value=float(result.pvalue))
        else:
            out["note"] = "no child in one of the two groups"
        rows.append({**common, **out, "reference": threshold == 0.5, "outcome": "responder",
                     "test": "Fisher's exact test, two-sided", "responder_threshold": threshold,
                     "specification": f"responders (at least {threshold:.0%} fewer seizures), "
                                      f"{group} against the other types: Fisher's exact test"})
    for scale, words in (("score", "change in the 0-5 score"),
                         ("frequency", "change in seizures per 28 days"),
                         ("log frequency", "change in log(1 + seizures per 28 days)"),
                         ("percent change", "percent change")):
        d = _differences(data, scale, "no change", "every child")
        x, y = d[mine], d[others]
        rows.append({**common, **_mann_whitney(x, y), "reference": False, "outcome": scale,
                     "test": "Mann-Whitney U, two-sided", "responder_threshold": np.nan,
                     "specification": f"{words}, {group} against the other types: "
                                      "Mann-Whitney U test"})
    return rows


def _mann_whitney(x: np.ndarray, y: np.ndarray) -> dict:
    """Mann-Whitney U (SciPy): exact without ties when a group has fewer than 8 children, else
    asymptotic (tie-corrected, continuity-corrected)."""
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    pooled = np.concatenate([x, y])
    ranks = stats.rankdata(pooled)
    ties = np.unique(pooled).size < pooled.size
    method = "exact" if not ties and min(x.size, y.size) < 8 else "asymptotic"
    out = {"n": int(pooled.size), "events": np.nan, "statistic": np.nan, "p_value": np.nan,
           "method": method, "testable": False, "note": "",
           "key": ("mann-whitney", method, int(x.size), _digest(np.sort(ranks[:x.size])),
                   _digest(np.sort(ranks)))}
    if not (x.size and y.size) or np.ptp(pooled) == 0:
        out["note"] = "no child in one of the two groups" if not (x.size and y.size) \
            else "every child changed the same"
        return out
    result = stats.mannwhitneyu(x, y, method=method)
    out.update(statistic=float(result.statistic), p_value=float(result.pvalue), testable=True,
               note=f"{x.size} against {y.size}")
    return out


_BENCHMARK_CAVEAT = {
    -1: "; the placebo rate counts at least 50% fewer seizures: against it a lower threshold "
        "flatters",
    1: "; the placebo rate counts at least 50% fewer seizures: against it a higher threshold "
       "is harsh"}

SPECIFICATION_COLUMNS = [
    "specification", "question", "family", "families", "reference", "outcome", "test",
    "zero_method", "missing_followup", "exclusion", "responder_threshold", "denominator", "n",
    "n_changed", "events", "statistic", "p_value", "method", "p_holm", "holm_groups",
    "significant", "significant_holm", "testable", "also_covers", "note"]


def specification_curve(table: pd.DataFrame, group: str = "generalized", alpha: float = 0.05,
                        thresholds=(0.3, 0.5, 0.75), placebo_rate: float = PLACEBO_RATE,
                        attrition=STUDY_ATTRITION, include_responders: bool = True,
                        include_between: bool = True,
                        max_exact_pairs: int = MAX_EXACT_PAIRS) -> pd.DataFrame:
    """A fair multiverse of the group's claim: one row per distinct analysis, each in the family
    of the choice it varies (:data:`FAMILIES`).

    From a reference analysis (assumed, :data:`REFERENCE`: the 0-5 score, the asymptotic
    Wilcoxon signed-rank test without continuity correction as SPSS gives it, unchanged children
    dropped, missing follow-up as no change, every child), each family of the **change within
    the group** varies one choice:

    - **test**: Wilcoxon signed-rank asymptotic without or with continuity correction, or
      exact conditional (every sign flip enumerated, up to ``max_exact_pairs`` changed
      children), unchanged children dropped or ranked (Pratt); the sign test (exact binomial);
    - **score scale and cut-points**: the 0-5 score (:data:`ivig_helpers.outcomes.
      SCORE_BOUNDS`), the score without its top cut-point, with its cut-points halved or
      doubled (the study's scale is not published), seizures per 28 days, log(1 + seizures per
      28 days), the percent change against 0;
    - **missing follow-up**: no change (non-responder), left out, or the 3-month value carried
      forward (when the file has it; blank too: no change);
    - **exclusions**: every child; only the published ages 2 to 18 (when the file has ages);
      without the children whose baseline is below the cohort's 10th or above its 90th centile
      (:data:`EXCLUSION_CENTILES`; the data contract has no baseline of 0).

    Two other questions are families of their own, never mixed into the within-group shares:

    - **responder rate against placebo** (``include_responders``): the one-sided exact
      binomial test of the group's responder rate against the external ``placebo_rate``, for
      each threshold, missing follow-up (non-responder; left out and carried forward when a
      child lacks follow-up) and, with missing as non-responder, the intention-to-treat bound
      of the study's attrition (:func:`itt_totals`, children lost shared out in each type's
      proportion). The placebo rates count at least 50% fewer seizures: the notes say when
      a threshold flatters or is harsh.
    - **between the types** (``include_between``): the group against the other types together,
      Fisher's exact test of responders at each threshold, and Mann-Whitney U tests of the
      change in score, in seizures per 28 days, in their logarithm and in percent.

    Each analysis of a within-group or placebo family is run on every seizure type, and
    ``p_holm`` is the group's p after Holm's correction for the ``holm_groups`` types that
    could be tested (the study tested three). Two specifications that come down to the same
    test on the same numbers (the same signed ranks, counts, table or ranks of the two groups,
    and the same procedure) are one row, whatever their labels: the others are listed in
    ``also_covers`` and their families in ``families``.

    Parameters
    ----------
    table : DataFrame
        The cohort (``load_cohort(...).table``).
    group : str
        The seizure type whose claim is tested.
    alpha : float
        Significance level for ``significant`` and ``significant_holm``.
    thresholds : sequence of float
        Responder thresholds of the placebo and between-type families (assumed: 30%, 50%, 75%).
    placebo_rate : float
        The placebo responder rate (published: 19%, Rheims et al. 2008).
    attrition : sequence of (int, int)
        (analysed, before) pairs of the intention-to-treat bound; () for none.
    include_responders, include_between : bool
        Whether to include the placebo and the between-type families.
    max_exact_pairs : int
        Enumerate the exact signed-rank p up to this many changed children.

    Returns
    -------
    DataFrame
        One row per distinct analysis: ``specification`` (a label that says every choice),
        ``question``, ``family`` (the choice it varies), ``families`` (every family whose
        choices give this analysis, "; "-joined), ``reference`` (the reference analysis of its
        question), ``outcome``, ``test``, ``zero_method``, ``missing_followup``,
        ``exclusion``, ``responder_threshold``, ``denominator``, ``n`` (children in the test),
        ``n_changed``, ``events`` (responders), ``statistic`` (W as the smaller rank sum;
        children whose value rose, for the sign test; the responder rate; the sample odds
        ratio; U of the group), ``p_value`` (two-sided, one-sided against placebo),
        ``method`` ("exact" or "asymptotic"), ``p_holm``, ``holm_groups`` (0: not
        applicable), ``significant``, ``significant_holm``, ``testable``, ``also_covers``,
        ``note``.

    References
    ----------
    Simonsohn U, Simmons JP, Nelson LD. Specification curve analysis. Nat Hum Behav
    2020;4:1208-14. Steegen S et al. Increasing transparency through a multiverse analysis.
    Perspect Psychol Sci 2016;11:702-12.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort
    >>> curve = specification_curve(load_cohort(BUNDLED_COHORT).table)
    >>> reference = curve[curve["reference"] & (curve["question"] == WITHIN)].iloc[0]
    >>> round(float(reference["p_value"]), 4), round(float(reference["p_holm"]), 4)
    (0.0186, 0.0557)
    >>> bool(curve.duplicated(["test", "method", "n", "statistic", "p_value"]).any())
    False
    """
    data = _typed(table)
    for threshold in thresholds:  # a handful of thresholds, checked before any work
        check_outcome_parameters(threshold, "nonresponder")
    kinds = data["seizure_type"].to_numpy()
    rows = _within_specifications(data, kinds, group, max_exact_pairs)
    if include_responders:
        rows += _placebo_specifications(data, group, thresholds, placebo_rate, attrition)
    if include_between:
        rows += _between_specifications(data, group, thresholds)
    kept: dict = {}
    for row in rows:
        key = (row["question"], row.pop("key"))
        if key not in kept:
            kept[key] = {**row, "families": [row["family"]], "also_covers": [],
                         "holm_seen": {row["p_holm"]}}
            continue
        first = kept[key]
        if row["family"] not in first["families"]:
            first["families"].append(row["family"])
        first["reference"] = first["reference"] or row["reference"]
        first["holm_seen"].add(row["p_holm"])
        if row["specification"] != first["specification"] and \
                row["specification"] not in first["also_covers"]:
            first["also_covers"].append(row["specification"])
    result = []
    for row in kept.values():
        seen = sorted(p for p in row.pop("holm_seen") if np.isfinite(p))
        if len(seen) > 1 and seen[-1] - seen[0] > 1e-12:
            row["note"] += (f"; the same test with other types changed by the choice: Holm p "
                            f"{seen[0]:.3g} to {seen[-1]:.3g}")
        row["families"] = "; ".join(row["families"])
        row["also_covers"] = "; ".join(row["also_covers"])
        row["significant"] = bool(row["testable"] and row["p_value"] < alpha)
        row["significant_holm"] = bool(row["testable"] and row["p_holm"] < alpha)
        if not (kinds == group).any():
            row["note"] = f"no {group} children in this cohort"
        result.append(row)
    return pd.DataFrame(result, columns=SPECIFICATION_COLUMNS)


def _in_family(curve: pd.DataFrame, family: str | None) -> pd.Series:
    if family is None:
        return pd.Series(True, index=curve.index)
    if "families" not in curve:
        return curve["family"] == family
    return curve["families"].fillna("").str.split("; ").map(lambda f: family in f)


def specification_share(curve: pd.DataFrame, alpha: float | None = None,
                        family: str | None = None, holm: bool = False) -> float:
    """Share of the testable distinct analyses of one family with p below alpha (NaN when none
    is testable). Without ``family`` it pools every family: a number that mixes different
    questions, kept for ``results.json``, not a measure of robustness.

    Parameters
    ----------
    curve : DataFrame
        Output of :func:`specification_curve`.
    alpha : float, optional
        Significance level; by default the one the curve was made with (its ``significant``).
    family : str, optional
        A family of :data:`FAMILIES`: every analysis its choices give (``families``).
    holm : bool
        Count the Holm-adjusted p-values (analyses without one are left out).

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort
    >>> curve = specification_curve(load_cohort(BUNDLED_COHORT).table)
    >>> share = specification_share(curve, family="test")
    >>> tests = curve[curve["families"].str.contains("test")]
    >>> bool(share == (tests["p_value"] < 0.05).mean())
    True
    """
    rows = curve[_in_family(curve, family) & curve["testable"].astype(bool)]
    if holm:
        rows = rows[rows["p_holm"].notna()]
    if rows.empty:
        return float("nan")
    column = "p_holm" if holm else "p_value"
    if alpha is None:
        hits = rows["significant_holm" if holm else "significant"]
    else:
        hits = rows[column] < alpha
    return float(hits.astype(bool).mean())


FAMILY_COLUMNS = [
    "question", "family", "varies", "analyses", "testable", "below_alpha", "share", "p_min",
    "p_max", "p_reference", "methods", "holm_groups", "holm_below_alpha", "p_holm_min",
    "p_holm_max", "note"]


def specification_families(curve: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Each family's spread: how many distinct analyses, how many below alpha, the smallest and
    largest p, raw and after Holm's correction for the types tested.

    Parameters
    ----------
    curve : DataFrame
        Output of :func:`specification_curve`.
    alpha : float
        Significance level.

    Returns
    -------
    DataFrame
        One row per family present, in the order of :data:`FAMILIES`: ``question``, ``family``,
        ``varies`` (the choice, in words), ``analyses`` (distinct analyses, the reference
        included), ``testable``, ``below_alpha``, ``share`` (of the testable ones),
        ``p_min``, ``p_max``, ``p_reference`` (the reference analysis's p), ``methods``
        (of its p-values, "; "-joined), ``holm_groups`` (the most types in a Holm correction;
        0: not applicable), ``holm_below_alpha``, ``p_holm_min``, ``p_holm_max``, ``note``.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort
    >>> families = specification_families(specification_curve(load_cohort(BUNDLED_COHORT)
    ...                                                       .table)).set_index("family")
    >>> int(families.loc["missing follow-up", "analyses"])  # nobody lacks follow-up here
    1
    """
    rows = []
    for family, (question, varies) in FAMILIES.items():
        part = curve[_in_family(curve, family)]
        if part.empty:
            continue
        tested = part[part["testable"].astype(bool)]
        p = tested["p_value"].astype(float)
        holm_p = tested["p_holm"].astype(float).dropna()
        reference = part.loc[part["reference"].astype(bool), "p_value"]
        groups = int(part["holm_groups"].max()) if len(part) else 0
        note = []
        if len(part) == 1:
            note.append("one analysis: this cohort gives nothing to vary")
        if len(tested) < len(part):
            note.append(f"{len(part) - len(tested)} not testable")
        if groups == 0:
            note.append("one comparison: Holm's correction does not apply")
        elif groups == 1:
            note.append("only one type could be tested: Holm's correction changes nothing")
        rows.append({
            "question": question, "family": family, "varies": varies, "analyses": len(part),
            "testable": len(tested), "below_alpha": int((p < alpha).sum()),
            "share": float((p < alpha).mean()) if len(p) else np.nan,
            "p_min": float(p.min()) if len(p) else np.nan,
            "p_max": float(p.max()) if len(p) else np.nan,
            "p_reference": float(reference.iloc[0]) if len(reference) else np.nan,
            "methods": "; ".join(sorted(set(tested["method"]))),
            "holm_groups": groups,
            "holm_below_alpha": int((holm_p < alpha).sum()) if groups else np.nan,
            "p_holm_min": float(holm_p.min()) if len(holm_p) else np.nan,
            "p_holm_max": float(holm_p.max()) if len(holm_p) else np.nan,
            "note": "; ".join(note)})
    table = pd.DataFrame(rows, columns=FAMILY_COLUMNS)
    # a count, or NaN where Holm does not apply (not a float count)
    table["holm_below_alpha"] = pd.Series([r["holm_below_alpha"] for r in rows], dtype=object,
                                          index=table.index)
    return table

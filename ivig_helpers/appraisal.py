"""The statistics of the critical appraisal: how much weight can the study's findings bear?

Seven families of checks, each a function that takes a cohort's patient table (the output of
:func:`ivig_helpers.add_outcomes`), the cohort table itself (``load_cohort(...).table``) or plain
numbers, and returns a DataFrame with one row per test or estimate (or a small dict):

1. multiplicity: :func:`holm_table`;
2. does response differ between seizure types (the interaction, not three within-group tests):
   :func:`interaction_tests`, :func:`responder_odds_ratios`, :func:`interaction_power`;
3. how fragile "p = 0.019 in the generalized group" is: :func:`exact_signed_rank_p`,
   :func:`specification_curve`, :func:`specification_share`;
4. placebo response and regression to the mean: :func:`placebo_comparison`,
   :func:`null_simulation`;
5. the other published IVIG cohorts: :func:`load_ivig_cohorts`, :func:`exact_intervals`,
   :func:`pooled_responder_rate`;
6. the trial that would settle it: :func:`rct_sample_size`, :func:`power_curve`,
   :func:`single_arm_sample_size`;
7. the ``appraisal`` object of ``results.json``: :func:`appraisal_results`.

Columns are named once and mean the same everywhere: ``test`` (what is tested or estimated),
``group``, ``n``, ``events``, ``rate``, ``statistic``, ``p_value``, ``method`` (always one of
"exact", "asymptotic" or "Monte Carlo"), ``testable`` and ``note`` (why a number is missing, or
what to keep in mind). Nothing raises on an unusual cohort (a seizure type with 0, 1 or 2
children, no responders, no follow-up at all): the number is NaN and the note says why. Every
random step is seeded.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, xlogy

from .comparisons import fisher_exact, holm, paired_wilcoxon
from .contract import DATA_DIR, SEIZURE_TYPES
from .outcomes import add_outcomes, check_outcome_parameters, proportion_ci
from .privacy import (
    SUPPRESSED,
    is_number,
    release_count,
    release_p,
    release_statistic,
    release_table_test,
    round_count,
)

IVIG_COHORTS = DATA_DIR / "ivig_cohorts.csv"
"""The published IVIG cohorts of the evidence context (FACTS section 4)."""

THIS_STUDY = "Calgary (this replication)"
"""The row of :data:`IVIG_COHORTS` that is the replicated study itself."""

PLACEBO_RATE = 0.19
"""Placebo 50% responder rate in children, drug-resistant focal epilepsy (Rheims et al. 2008)."""

BENCHMARKS = (
    ("placebo, children (Zaccara et al. 2014)", 0.197,
     "Zaccara et al. 2014, Epilepsy Res 108:1685 (634 placebo-treated children)"),
    ("active add-on drugs, children (Rheims et al. 2008)", 0.372,
     "Rheims et al. 2008, PLoS Med 5:e166 (32 randomized trials)"),
)
"""Further responder rates that the cohort's rate is set against."""

STUDY_ATTRITION = ((60, 67), (60, 74))

# Above this many children the Kruskal-Wallis permutation tests are not run: shuffling every
# child thousands of times takes minutes at 10^5 children, and at that size the chi-square
# approximation they check is accurate
PERMUTATION_LIMIT = 5_000
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

MAX_EXACT_PAIRS = 20
"""Non-zero pairs up to which the exact signed-rank p enumerates every sign flip (2^20 about a
million); above it the asymptotic p is used and the note says so."""

_EPS = 1e-9


# --- small helpers ----------------------------------------------------------------------------

def _typed(data: pd.DataFrame) -> pd.DataFrame:
    """The table with ``seizure_type`` categorical over the study's three types."""
    column = data["seizure_type"]
    if not isinstance(column.dtype, pd.CategoricalDtype) or list(
            column.cat.categories) != list(SEIZURE_TYPES):
        data = data.assign(seizure_type=pd.Categorical(column.astype(object),
                                                       categories=SEIZURE_TYPES))
    return data


def _plain(value):
    """JSON-ready: NumPy numbers become Python ones, NaN becomes None, containers recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value


def _nan_if_none(value) -> float:
    return float("nan") if value is None else float(value)


# --- 1. multiplicity --------------------------------------------------------------------------

def holm_table(p_by_type, alpha: float = 0.05, method: str = "asymptotic") -> pd.DataFrame:
    """Holm's step-down correction of the within-type p-values, raw beside adjusted.

    Parameters
    ----------
    p_by_type : dict or DataFrame
        Seizure type -> p-value (None or NaN: not testable), or the output of
        :func:`ivig_helpers.paired_wilcoxon` (its ``group``, ``p_value`` and ``testable``).
    alpha : float
        Significance level for ``significant``.
    method : str
        How the raw p-values were computed ("asymptotic" for the SPSS-style Wilcoxon test).

    Returns
    -------
    DataFrame
        One row per type: ``group``, ``p_value`` (raw), ``p_adjusted`` (Holm), ``n_tests``
        (testable p-values in the family), ``significant`` (adjusted p below ``alpha``),
        ``testable``, ``method``, ``correction`` ("Holm"), ``note``.

    Notes
    -----
    The smallest of m p-values is multiplied by m, the next by m - 1 and so on, never
    decreasing and never above 1 (:func:`ivig_helpers.comparisons.holm`). p = 0.019 as the
    smallest of three gives 0.057 (FACTS section 5).

    References
    ----------
    Holm S. A simple sequentially rejective multiple test procedure. Scand J Stat 1979;6:65-70.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes, paired_wilcoxon
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> tests = paired_wilcoxon(patients, "baseline_score", "month12_score", by="seizure_type")
    >>> table = holm_table(tests).set_index("group")
    >>> table.loc["generalized", ["p_value", "p_adjusted"]].astype(float).round(3).tolist()
    [0.019, 0.056]
    """
    if isinstance(p_by_type, pd.DataFrame):
        raw = {str(row["group"]): (row["p_value"] if row.get("testable", True) else None)
               for _, row in p_by_type.iterrows()}
    else:
        raw = dict(p_by_type)
    raw = {k: (None if v is None or not is_number(v) else float(v)) for k, v in raw.items()}
    adjusted = holm(raw)
    n_tests = sum(v is not None for v in raw.values())
    rows = [{"group": k, "p_value": _nan_if_none(p), "p_adjusted": _nan_if_none(adjusted[k]),
             "n_tests": n_tests, "significant": bool(adjusted[k] is not None
                                                     and adjusted[k] < alpha),
             "testable": p is not None, "method": method, "correction": "Holm",
             "note": "" if p is not None else "not testable: left out of the family"}
            for k, p in raw.items()]
    columns = ["group", "p_value", "p_adjusted", "n_tests", "significant", "testable", "method",
               "correction", "note"]
    return pd.DataFrame(rows, columns=columns)


# --- 2. the interaction -----------------------------------------------------------------------

def _kruskal_h(ranks: np.ndarray, labels: np.ndarray, sizes: np.ndarray,
               tie_factor: float) -> np.ndarray:
    """Kruskal-Wallis H (tie-corrected) for each row of ``labels`` (permutations x children)."""
    n = ranks.size
    sums = np.stack([(labels == g) @ ranks for g in range(sizes.size)], axis=-1)
    h = 12.0 / (n * (n + 1)) * (sums ** 2 / sizes).sum(axis=-1) - 3.0 * (n + 1)
    return h / tie_factor


def _kruskal_rows(data: pd.DataFrame, outcome: str, label: str, seed: int,
                  n_permutations: int) -> list[dict]:
    values = data[outcome].to_numpy(dtype=float)
    keep = np.isfinite(values)
    values, kinds = values[keep], data["seizure_type"].to_numpy()[keep]
    present = [k for k in SEIZURE_TYPES if (kinds == k).any()]
    base = {"outcome": outcome, "n": int(values.size), "n_groups": len(present),
            "statistic": np.nan, "p_value": np.nan, "testable": False}
    rows = [{**base, "test": f"Kruskal-Wallis, {label}", "method": "asymptotic", "note": ""},
            {**base, "test": f"Kruskal-Wallis permutation test, {label}",
             "method": "Monte Carlo", "note": ""}]
    if len(present) < 2:
        note = "fewer than 2 seizure types with a value: nothing to compare"
    elif np.ptp(values) == 0:
        note = "every child has the same value: nothing to rank"
    else:
        note = ""
    if note:
        for row in rows:
            row["note"] = note
        return rows
    groups = [values[kinds == k] for k in present]
    asymptotic = stats.kruskal(*groups)
    rows[0].update(statistic=float(asymptotic.statistic), p_value=float(asymptotic.pvalue),
                   testable=True, note="chi-square with groups - 1 degrees of freedom")
    if values.size > PERMUTATION_LIMIT:
        rows[1].update(method=None, note=f"not run above {PERMUTATION_LIMIT:,} children: at "
                       f"this size the chi-square p-value above is accurate")
        return rows
    codes = pd.Categorical(kinds, categories=present).codes.astype(np.int64)
    sizes = np.bincount(codes, minlength=len(present)).astype(float)
    ranks = stats.rankdata(values)
    n = values.size
    _, ties = np.unique(values, return_counts=True)
    tie_factor = 1.0 - (ties ** 3 - ties).sum() / (n ** 3 - n)
    observed = float(_kruskal_h(ranks, codes[None, :], sizes, tie_factor)[0])
    rng = np.random.default_rng(seed)
    block = max(1, 20_000_000 // n)  # permutations per block: bounded memory on large cohorts
    extreme = 0
    for start in range(0, n_permutations, block):
        count = min(block, n_permutations - start)
        shuffled = rng.permuted(np.broadcast_to(codes, (count, n)), axis=1)
        h = _kruskal_h(ranks, shuffled, sizes, tie_factor)
        extreme += int((h >= observed - _EPS * max(1.0, abs(observed))).sum())
    rows[1].update(statistic=observed, p_value=(extreme + 1) / (n_permutations + 1),
                   testable=True,
                   note=f"{n_permutations} permutations of the seizure types, seed {seed}")
    return rows


def _logistic(patients: pd.DataFrame, reference: str, alpha: float):
    """Odds ratios of responding by seizure type, and the likelihood-ratio test of type."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    data = _typed(patients)
    kinds = data["seizure_type"].to_numpy()
    responder = data["responder"].to_numpy(dtype=bool)
    present = [k for k in SEIZURE_TYPES if (kinds == k).any()]
    n = np.array([(kinds == k).sum() for k in present], dtype=int)
    events = np.array([(responder & (kinds == k)).sum() for k in present], dtype=int)
    ref = reference if reference in present else (present[0] if present else reference)
    rows = []
    for kind, size, hits in zip(present, n, events, strict=True):
        rows.append({"group": kind, "n": int(size), "events": int(hits), "rate": hits / size,
                     "odds_ratio": 1.0 if kind == ref else np.nan, "ci_low": np.nan,
                     "ci_high": np.nan, "p_value": np.nan, "estimable": kind == ref,
                     "reference": ref, "method": "asymptotic", "note": ""})
    lr = {"test": "logistic regression, likelihood ratio: responder ~ seizure type",
          "outcome": "responder", "n": int(n.sum()), "n_groups": len(present),
          "statistic": np.nan, "p_value": np.nan, "method": "asymptotic", "testable": False,
          "note": ""}
    table_columns = ["group", "n", "events", "rate", "odds_ratio", "ci_low", "ci_high",
                     "p_value", "estimable", "reference", "method", "note"]
    if len(present) < 2:
        note = "fewer than 2 seizure types: nothing to compare"
        lr["note"] = note
        for row in rows:
            row.update(estimable=False, odds_ratio=np.nan, note=note)
        return pd.DataFrame(rows, columns=table_columns), lr
    if events.sum() in (0, n.sum()):
        note = ("no child responded" if events.sum() == 0 else "every child responded") + \
            ": the odds ratios are not estimable and there is nothing to test"
        lr["note"] = note
        for row in rows:
            row.update(estimable=False, odds_ratio=np.nan, note=note)
        return pd.DataFrame(rows, columns=table_columns), lr
    separated = (events == 0) | (events == n)
    by_kind = dict(zip(present, separated, strict=True))
    ref_note = "" if ref == reference else f"reference is {ref}: no {reference} children"
    # the likelihood ratio from the group proportions: the fit's supremum, defined even when a
    # group has 0% or 100% responders (then the MLE of its coefficient is infinite)
    log_full = (xlogy(events, events / n) + xlogy(n - events, 1 - events / n)).sum()
    pooled = events.sum() / n.sum()
    log_null = xlogy(events.sum(), pooled) + xlogy(n.sum() - events.sum(), 1 - pooled)
    statistic, df = 2.0 * (log_full - log_null), len(present) - 1
    fit_kinds = [k for k in present if not by_kind[k]]
    if by_kind[ref]:
        note = (f"not estimable: the reference group ({ref}) has "
                f"{'no' if events[present.index(ref)] == 0 else 'only'} responders "
                "(separation)")
        for row in rows:
            row.update(estimable=False, odds_ratio=np.nan, note=note)
    elif len(fit_kinds) >= 2:
        # one row per type with its responders and non-responders: the same estimates,
        # standard errors and likelihood ratio as one row per child, at any cohort size
        fitted = [present.index(k) for k in fit_kinds]
        design = pd.DataFrame({f"type_{k}": [float(k == j) for j in fit_kinds]
                               for k in fit_kinds if k != ref}, index=fit_kinds)
        design.insert(0, "const", 1.0)
        counts = np.column_stack([events[fitted], n[fitted] - events[fitted]]).astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = GLM(counts, design, family=families.Binomial()).fit()
        interval = np.exp(result.conf_int(alpha=alpha))
        for row in rows:
            column = f"type_{row['group']}"
            if column in design:
                row.update(odds_ratio=float(np.exp(result.params[column])),
                           ci_low=float(interval.loc[column, 0]),
                           ci_high=float(interval.loc[column, 1]),
                           p_value=float(result.pvalues[column]), estimable=True,
                           note="Wald interval and p")
        if len(fit_kinds) == len(present):  # no separation: the fit's own likelihood ratio
            statistic, df = 2.0 * (result.llf - result.llnull), int(result.df_model)
    for row in rows:
        if row["group"] != ref and by_kind[row["group"]] and not by_kind[ref]:
            row.update(estimable=False, note=(
                f"not estimable: {row['events']} of {row['n']} responded (separation; the "
                "odds ratio is " + ("0" if row["events"] == 0 else "infinite") + ")"))
        if row["group"] == ref:
            row["note"] = "; ".join(part for part in (
                "reference", ref_note, row["note"] if by_kind[ref] else "") if part)
    lr.update(statistic=float(statistic), p_value=float(stats.chi2.sf(statistic, df)),
              testable=True, note=f"chi-square with {df} degrees of freedom" + (
                  "; a type with 0% or 100% responders: statistic from the group proportions"
                  if separated.any() else ""))
    return pd.DataFrame(rows, columns=table_columns), lr


def interaction_tests(patients: pd.DataFrame, seed: int = 2024,
                      n_permutations: int = 9999) -> pd.DataFrame:
    """Does response differ between seizure types? Tests of the difference itself.

    Separate within-group p-values cannot show that one group responds differently (Altman &
    Bland 2003); these tests compare the groups directly.

    Parameters
    ----------
    patients : DataFrame
        Output of :func:`ivig_helpers.add_outcomes`.
    seed : int
        Seed of the permutations.
    n_permutations : int
        Permutations of the seizure-type labels for the Monte Carlo p-values.

    Returns
    -------
    DataFrame
        One row per test: ``test``, ``outcome`` (``score_change`` = one-year score minus
        baseline score, ``percent_change``, or ``responder``), ``n`` (children with the
        outcome), ``n_groups`` (seizure types with a child), ``statistic`` (H, the odds ratio
        or chi-square statistic as the test has one, else NaN), ``p_value``, ``method``,
        ``testable``, ``note``. The rows: Kruskal-Wallis (asymptotic) and its permutation test
        (Monte Carlo, p = (1 + permutations at least as extreme) / (1 + permutations)) on the
        score change and on the percent change; the Fisher-Freeman-Halton test of seizure type
        against responder status (:func:`ivig_helpers.fisher_exact`: exact when the table is
        small); the likelihood-ratio test of seizure type in a logistic regression of responder
        status (asymptotic; see :func:`responder_odds_ratios`).

    References
    ----------
    Altman DG, Bland JM. Interaction revisited: the difference between two estimates. BMJ
    2003;326:219.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> tests = interaction_tests(patients, n_permutations=999)
    >>> tests[["test", "method"]].values.tolist()[4]
    ['Fisher-Freeman-Halton, seizure type x responder', 'exact']
    >>> round(float(tests["p_value"].iloc[4]), 3)
    0.256
    """
    data = _typed(patients)
    data = data.assign(score_change=data["month12_score"] - data["baseline_score"])
    rows = _kruskal_rows(data, "score_change", "score change", seed, n_permutations)
    rows += _kruskal_rows(data, "percent_change", "percent change", seed, n_permutations)
    fisher = fisher_exact(data, "seizure_type", "responder", seed=seed).iloc[0]
    kinds = data["seizure_type"].astype(object)
    rows.append({"test": "Fisher-Freeman-Halton, seizure type x responder",
                 "outcome": "responder", "n": int(fisher["n"]),
                 "n_groups": int(kinds.nunique()), "statistic": float(fisher["statistic"]),
                 "p_value": float(fisher["p_value"]), "method": fisher["method"] or "exact",
                 "testable": bool(fisher["testable"]), "note": fisher["note"]})
    rows.append(_logistic(data, "focal", 0.05)[1])
    columns = ["test", "outcome", "n", "n_groups", "statistic", "p_value", "method", "testable",
               "note"]
    return pd.DataFrame(rows, columns=columns)


def responder_odds_ratios(patients: pd.DataFrame, reference: str = "focal",
                          alpha: float = 0.05) -> pd.DataFrame:
    """Odds of responding in each seizure type against a reference type: logistic regression.

    A binomial GLM (statsmodels) of responder status on seizure type. A type in which no child,
    or every child, responded has no finite odds ratio (separation): its row says "not
    estimable" and the other types are estimated without it (with seizure type as the only
    predictor each coefficient rests on its own group and the reference alone). The
    likelihood-ratio test of seizure type is a row of :func:`interaction_tests`.

    Parameters
    ----------
    patients : DataFrame
        Output of :func:`ivig_helpers.add_outcomes`.
    reference : str
        The reference type (the first type present when the cohort has none of it).
    alpha : float
        The intervals are (1 - alpha) Wald intervals.

    Returns
    -------
    DataFrame
        One row per seizure type present: ``group``, ``n``, ``events`` (responders), ``rate``,
        ``odds_ratio`` (1 for the reference), ``ci_low``, ``ci_high``, ``p_value`` (Wald),
        ``estimable``, ``reference``, ``method`` ("asymptotic"), ``note``.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> table = responder_odds_ratios(patients)
    >>> table[["group", "odds_ratio"]].round(2).values.tolist()
    [['focal', 1.0], ['generalized', 2.83], ['both', 1.42]]
    """
    return _logistic(patients, reference, alpha)[0]


def interaction_power(patients: pd.DataFrame, rates: tuple[float, float] | None = None,
                      alpha: float = 0.05, min_cell_count: int = 0) -> pd.DataFrame:
    """The power a comparison of groups this size has to detect a difference in responder rates.

    The two seizure types whose responder rates differ most are compared by the arcsine
    (Cohen's h) normal approximation of statsmodels (``NormalIndPower`` with
    ``proportion_effectsize``), two-sided, at their own sizes.

    Parameters
    ----------
    patients : DataFrame
        Output of :func:`ivig_helpers.add_outcomes`.
    rates : (float, float), optional
        The responder rates to detect, lower first (for example 0.27 and 0.50); by default the
        two groups' own rates. The lower one is assigned to the group with the lower rate.
    alpha : float
        Two-sided significance level.
    min_cell_count : int
        Disclosure control (0: off): the power is computed from the released (rounded) counts,
        and a type with a hidden count is left out (the power of exact counts would give them
        back).

    Returns
    -------
    DataFrame
        One row: ``test``, ``group_a``, ``group_b`` (lower rate first), ``n_a``, ``n_b``,
        ``observed_rate_a``, ``observed_rate_b``, ``assumed_rate_a``, ``assumed_rate_b``,
        ``effect_size`` (Cohen's h), ``alpha``, ``power``, ``method`` ("asymptotic"), ``note``.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> row = interaction_power(patients, rates=(0.27, 0.50)).iloc[0]
    >>> row["group_a"], row["group_b"], round(float(row["power"]), 2)
    ('focal', 'generalized', 0.36)
    """
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    data = _typed(patients)
    kinds = data["seizure_type"].to_numpy()
    responder = data["responder"].to_numpy(dtype=bool)
    sizes = {k: int((kinds == k).sum()) for k in SEIZURE_TYPES if (kinds == k).any()}
    events = {k: int((responder & (kinds == k)).sum()) for k in sizes}
    left_out = []
    if min_cell_count > 0:
        for kind in list(sizes):
            counts = (events[kind], sizes[kind] - events[kind], sizes[kind])
            if any(0 < c < min_cell_count for c in counts):
                left_out.append(kind)
                del sizes[kind], events[kind]
                continue
            events[kind], sizes[kind] = released_pair(events[kind], sizes[kind], min_cell_count)
    observed = {k: events[k] / v for k, v in sizes.items()}
    row = {"test": "two groups' responder rates, arcsine (Cohen's h), statsmodels "
                   "NormalIndPower", "group_a": None, "group_b": None, "n_a": 0, "n_b": 0,
           "observed_rate_a": np.nan, "observed_rate_b": np.nan, "assumed_rate_a": np.nan,
           "assumed_rate_b": np.nan, "effect_size": np.nan, "alpha": alpha, "power": np.nan,
           "method": "asymptotic", "note": ""}
    hidden = ("; left out because a count behind the type is hidden (disclosure control): "
              + ", ".join(left_out)) if left_out else ""
    if len(sizes) < 2:
        row["note"] = ("fewer than 2 seizure types left to compare" if left_out else
                       "fewer than 2 seizure types") + ": no comparison to power" + hidden
        return pd.DataFrame([row])
    pairs = sorted(itertools.combinations(sizes, 2),
                   key=lambda p: (-abs(observed[p[0]] - observed[p[1]]),
                                  -(sizes[p[0]] + sizes[p[1]])))
    a, b = sorted(pairs[0], key=lambda k: observed[k])
    rate_a, rate_b = (observed[a], observed[b]) if rates is None else sorted(rates)
    h = abs(float(proportion_effectsize(rate_b, rate_a)))
    power = NormalIndPower().power(effect_size=h, nobs1=sizes[a], alpha=alpha,
                                   ratio=sizes[b] / sizes[a], alternative="two-sided")
    row.update(group_a=a, group_b=b, n_a=sizes[a], n_b=sizes[b], observed_rate_a=observed[a],
               observed_rate_b=observed[b], assumed_rate_a=rate_a, assumed_rate_b=rate_b,
               effect_size=h, power=float(power),
               note="the two types whose responder rates differ most" + (
                   "" if rates is None else "; rates to detect as given") + (
                   "; from the released (rounded) counts" if min_cell_count > 0 else "")
               + hidden)
    return pd.DataFrame([row])


# --- 3. the fragility of p = 0.019 --------------------------------------------------------------

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


# --- 4. placebo response and regression to the mean ---------------------------------------------

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


# --- 5. the evidence context --------------------------------------------------------------------

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
    return pd.read_csv(path, dtype={"n": int, "responders": int, "seizure_free": "Int64",
                                    "pmid": "Int64"})


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


def _paule_mandel(effect: np.ndarray, variance: np.ndarray) -> float:
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


def pooled_responder_rate(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Random-effects pooled responder rate on the logit scale.

    Each study's log odds of responding, logit(r / n), with variance 1/r + 1/(n - r) (0.5
    added to both counts of a study with 0 or n responders), is pooled with the Paule-Mandel
    between-study variance (:func:`_paule_mandel`; statsmodels' ``combine_effects`` gives the
    same where its iteration converges, checked in the tests). The confidence interval is
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
    if len(table) == 1:
        crit = stats.norm.isf(alpha / 2)
        se = math.sqrt(variance[0])
        row.update(rate=float(expit(effect[0])), ci_low=float(expit(effect[0] - crit * se)),
                   ci_high=float(expit(effect[0] + crit * se)), logit=float(effect[0]),
                   logit_se=se, note="; ".join(notes + ["one study: nothing to pool (Wald "
                                                        "interval of that study)"]))
        return pd.DataFrame([row])
    k = len(table)
    tau2 = _paule_mandel(effect, variance)
    weights = 1.0 / (variance + tau2)
    mean = float((weights * effect).sum() / weights.sum())
    se = math.sqrt(1.0 / weights.sum())
    # Hartung-Knapp: t with k - 1 degrees of freedom and the weighted spread around the mean
    hk_se = math.sqrt((weights * (effect - mean) ** 2).sum() / ((k - 1) * weights.sum()))
    half_ci = stats.t.isf(alpha / 2, k - 1) * hk_se
    fixed = 1.0 / variance
    q = float((fixed * (effect - (fixed * effect).sum() / fixed.sum()) ** 2).sum())
    if k >= 3:
        half = stats.t.isf(alpha / 2, k - 2) * math.sqrt(tau2 + se ** 2)
        row.update(pi_low=float(expit(mean - half)), pi_high=float(expit(mean + half)))
    else:
        notes.append("prediction interval needs 3 studies")
    row.update(rate=float(expit(mean)), ci_low=float(expit(mean - half_ci)),
               ci_high=float(expit(mean + half_ci)), logit=mean, logit_se=se, tau2=tau2,
               i2=max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0, q=q,
               q_p_value=float(stats.chi2.sf(q, k - 1)), note="; ".join(notes))
    return pd.DataFrame([row])


# --- 6. the trial that would settle it ------------------------------------------------------------

def _pooled_normal_n(p_treatment: float, p_control: float, alpha: float, power: float):
    mean = (p_treatment + p_control) / 2
    null_sd = math.sqrt(2 * mean * (1 - mean))
    alt_sd = math.sqrt(p_treatment * (1 - p_treatment) + p_control * (1 - p_control))
    z_alpha, z_beta = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)
    return (z_alpha * null_sd + z_beta * alt_sd) ** 2 / (p_treatment - p_control) ** 2


def _pooled_normal_power(n, p_treatment: float, p_control: float, alpha: float):
    mean = (p_treatment + p_control) / 2
    null_sd = math.sqrt(2 * mean * (1 - mean))
    alt_sd = math.sqrt(p_treatment * (1 - p_treatment) + p_control * (1 - p_control))
    z_alpha = stats.norm.isf(alpha / 2)
    root = abs(p_treatment - p_control) * np.sqrt(np.asarray(n, dtype=float))
    return stats.norm.cdf((root - z_alpha * null_sd) / alt_sd)


def rct_sample_size(p_treatment: float = 0.37, p_control: float = 0.19, alpha: float = 0.05,
                    power: float = 0.8) -> pd.DataFrame:
    """Children per arm for a two-arm trial to detect ``p_treatment`` against ``p_control``.

    Three normal-approximation formulas, two-sided at ``alpha``:

    - the pooled-variance formula written out: n = [z(1-a/2) sqrt(2 pbar qbar) + z(power)
      sqrt(p1 q1 + p2 q2)]^2 / (p1 - p2)^2;
    - the same with Fleiss' continuity correction: n/4 (1 + sqrt(1 + 4 / (n |p1 - p2|)))^2;
    - the arcsine formula of statsmodels (``NormalIndPower`` with Cohen's h from
      ``proportion_effectsize``).

    Returns
    -------
    DataFrame
        One row per formula: ``test``, ``p_treatment``, ``p_control``, ``alpha``, ``power``,
        ``effect_size`` (p1 - p2, or Cohen's h), ``n_per_arm`` (rounded up), ``n_total``,
        ``n_per_arm_unrounded``, ``method`` ("asymptotic"), ``note``.

    Examples
    --------
    >>> rct_sample_size()["n_per_arm"].tolist()  # pooled, Fleiss-corrected, arcsine
    [97, 108, 96]
    >>> rct_sample_size(power=0.9)["n_per_arm"].tolist()
    [129, 140, 128]
    """
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    difference = abs(p_treatment - p_control)
    rows = []
    if difference == 0:
        note = "no difference to detect"
        for test in ("pooled-variance normal formula",
                     "pooled-variance normal formula, Fleiss continuity correction",
                     "arcsine (Cohen's h), statsmodels NormalIndPower"):
            rows.append({"test": test, "effect_size": 0.0, "n_per_arm_unrounded": np.nan,
                         "note": note})
    else:
        pooled = _pooled_normal_n(p_treatment, p_control, alpha, power)
        fleiss = pooled / 4 * (1 + math.sqrt(1 + 4 / (pooled * difference))) ** 2
        h = abs(float(proportion_effectsize(p_treatment, p_control)))
        arcsine = NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power,
                                               ratio=1.0, alternative="two-sided")
        rows = [{"test": "pooled-variance normal formula", "effect_size": difference,
                 "n_per_arm_unrounded": pooled, "note": "written out"},
                {"test": "pooled-variance normal formula, Fleiss continuity correction",
                 "effect_size": difference, "n_per_arm_unrounded": fleiss, "note": ""},
                {"test": "arcsine (Cohen's h), statsmodels NormalIndPower", "effect_size": h,
                 "n_per_arm_unrounded": float(arcsine), "note": ""}]
    for row in rows:
        unrounded = row["n_per_arm_unrounded"]
        per_arm = int(math.ceil(unrounded - 1e-9)) if np.isfinite(unrounded) else None
        row.update(p_treatment=p_treatment, p_control=p_control, alpha=alpha, power=power,
                   n_per_arm=per_arm, n_total=None if per_arm is None else 2 * per_arm,
                   method="asymptotic")
    columns = ["test", "p_treatment", "p_control", "alpha", "power", "effect_size", "n_per_arm",
               "n_total", "n_per_arm_unrounded", "method", "note"]
    return pd.DataFrame(rows, columns=columns)


def power_curve(n_per_arm=tuple(range(10, 305, 5)), p_treatment: float = 0.37,
                p_control: float = 0.19, alpha: float = 0.05) -> pd.DataFrame:
    """Power of a two-arm trial over children per arm, by the two normal formulas.

    Returns
    -------
    DataFrame
        One row per size and formula (long format, for plotting): ``n_per_arm``, ``test``
        ("pooled-variance normal formula" or "arcsine (Cohen's h), statsmodels
        NormalIndPower"), ``power``, ``method`` ("asymptotic").

    Examples
    --------
    >>> curve = power_curve([60])
    >>> curve["power"].round(3).tolist()  # pooled-variance formula, arcsine
    [0.595, 0.603]
    """
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    sizes = np.asarray(list(n_per_arm), dtype=float)
    h = abs(float(proportion_effectsize(p_treatment, p_control)))
    pooled = _pooled_normal_power(sizes, p_treatment, p_control, alpha) if h else \
        np.full(sizes.shape, np.nan)
    arcsine = np.asarray(NormalIndPower().power(effect_size=h, nobs1=sizes, alpha=alpha,
                                                ratio=1.0), dtype=float)
    return pd.DataFrame({
        "n_per_arm": np.concatenate([sizes, sizes]).astype(int),
        "test": ["pooled-variance normal formula"] * sizes.size
        + ["arcsine (Cohen's h), statsmodels NormalIndPower"] * sizes.size,
        "power": np.concatenate([pooled, arcsine]), "method": "asymptotic"})


def single_arm_sample_size(p_alternative: float = 0.37, p_null: float = PLACEBO_RATE,
                           alpha: float = 0.05, power: float = 0.8,
                           max_n: int = 2000) -> pd.DataFrame:
    """Children for a single-arm trial against a historical placebo rate, exact binomial.

    For each n the critical number of responders c is the smallest with P(X >= c | p_null) at
    most ``alpha`` (one-sided exact binomial test); the power is P(X >= c | p_alternative).
    Exact power saw-tooths with n, so two sizes are given: the smallest n with the power, and
    the smallest n from which every larger n (up to ``max_n``) has it.

    Returns
    -------
    DataFrame
        Two rows (``test``: "smallest n" and "smallest n, power kept at every larger n"), with
        ``p_alternative``, ``p_null``, ``alpha``, ``power`` (requested), ``n``,
        ``critical_events`` (responders needed), ``attained_alpha``, ``attained_power``,
        ``method`` ("exact"), ``note``.

    Examples
    --------
    >>> single_arm_sample_size()[["n", "critical_events"]].values.tolist()
    [[38, 12], [44, 14]]
    """
    sizes = np.arange(1, max_n + 1)
    critical = stats.binom.isf(alpha, sizes, p_null) + 1  # smallest c with P(X >= c) <= alpha
    attained_alpha = stats.binom.sf(critical - 1, sizes, p_null)
    fix = attained_alpha > alpha  # guard against rounding in isf
    critical = critical + fix
    attained_alpha = stats.binom.sf(critical - 1, sizes, p_null)
    attained_power = stats.binom.sf(critical - 1, sizes, p_alternative)
    enough = attained_power >= power
    rows = []
    later_all = np.flip(np.logical_and.accumulate(np.flip(enough)))
    for test, hits in (("smallest n", enough),
                       ("smallest n, power kept at every larger n", later_all)):
        row = {"test": test, "p_alternative": p_alternative, "p_null": p_null, "alpha": alpha,
               "power": power, "n": None, "critical_events": None, "attained_alpha": np.nan,
               "attained_power": np.nan, "method": "exact", "note": ""}
        if hits.any() and p_alternative > p_null:
            i = int(np.argmax(hits))
            row.update(n=int(sizes[i]), critical_events=int(critical[i]),
                       attained_alpha=float(attained_alpha[i]),
                       attained_power=float(attained_power[i]))
        else:
            row["note"] = f"not reached up to {max_n} children"
        rows.append(row)
    return pd.DataFrame(rows)


# --- 7. the appraisal object of results.json ----------------------------------------------------

def appraisal_results(table: pd.DataFrame, responder_threshold: float = 0.5,
                      missing_followup: str = "nonresponder", alpha: float = 0.05,
                      seed: int = 2024, min_cell_count: int = 0, n_permutations: int = 9999,
                      n_cohorts: int = 10_000, attrition=STUDY_ATTRITION) -> dict:
    """The ``appraisal`` object of ``results.json``: every headline number of the appraisal.

    Parameters
    ----------
    table : DataFrame
        A checked cohort (``load_cohort(...).table``).
    responder_threshold, missing_followup
        As in :func:`ivig_helpers.add_outcomes`.
    alpha : float
        Significance level.
    seed : int
        Seed of the permutations and of the simulation.
    min_cell_count : int
        Disclosure control (0: off): a statistic that rests on a count of 1 to
        ``min_cell_count - 1`` children reads "suppressed", counts are released as
        :func:`ivig_helpers.release_count` does.
    n_permutations, n_cohorts : int
        Permutations of the Kruskal-Wallis tests; cohorts of the null simulation.
    attrition : sequence of (int, int)
        The intention-to-treat bound: the study's attrition (60 analysed of 67 included and of
        74 identified) applied to the children in the file (:func:`itt_totals`).

    Returns
    -------
    dict
        Plain JSON-ready values (None for NaN): ``holm_p`` and ``holm_raw_p`` (type -> p),
        ``interaction_p`` (Fisher-Freeman-Halton of type against responder status),
        ``interaction_tests`` (test -> p), ``odds_ratios``, ``interaction_power``,
        ``generalized_exact_p`` (exact conditional signed-rank p of the generalized scores,
        None when no pair changed or above the enumeration limit), ``generalized_n_changed``,
        ``specification_share_significant`` (all specifications),
        ``specification_share_by_family``, ``specification_count``, ``placebo_binomial_p``
        (one-sided exact against 0.19), ``placebo_benchmark_p`` (benchmark -> p),
        ``itt_placebo_p``, ``null_simulation_share``, ``null_simulation_median_rate``,
        ``null_simulation_settings``, ``pooled_responder_rate`` (rate, ci, prediction
        interval, i2, tau2, k; the published cohorts with this cohort in place of the study's
        row), ``rct_n_per_arm_80`` (pooled-variance formula), ``rct_n_per_arm_80_arcsine``,
        ``rct_n_per_arm_90``, ``rct_power_60_per_arm``, ``single_arm_n``, ``methods`` (each
        p-value's method: "exact", "asymptotic" or "Monte Carlo") and ``method_descriptions``.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort
    >>> found = appraisal_results(load_cohort(BUNDLED_COHORT).table, n_permutations=999,
    ...                           n_cohorts=2000)
    >>> found["holm_p"]["generalized"] is not None, round(found["interaction_p"], 3)
    (True, 0.256)
    >>> found["rct_n_per_arm_80"], round(found["generalized_exact_p"], 4)
    (97, 0.0234)
    """
    data = _typed(table)
    patients = add_outcomes(data, responder_threshold, missing_followup)
    mcc = min_cell_count

    def gate(value, counts):
        value = _plain(value)
        return release_statistic(value, [int(c) for c in counts], mcc) if value is not None \
            else None

    kinds = patients["seizure_type"].to_numpy()
    sizes = {k: int((kinds == k).sum()) for k in SEIZURE_TYPES}
    events = {k: int((patients["responder"].to_numpy(dtype=bool) & (kinds == k)).sum())
              for k in SEIZURE_TYPES}
    cells = [c for k in SEIZURE_TYPES if sizes[k] for c in (events[k], sizes[k] - events[k])]
    responders, analysed = sum(events.values()), len(patients)

    scores = paired_wilcoxon(patients, "baseline_score", "month12_score", by="seizure_type")
    holm_rows = holm_table(scores, alpha)
    pair_counts = [c for _, r in scores.iterrows() for c in r["counts"]]
    pair_sizes = {r["group"]: r["counts"] for _, r in scores.iterrows()}
    one_way_groups = {r["group"] for _, r in scores.iterrows() if mcc > 0 and r["patterns"] == 1}
    holm_hidden = mcc > 0 and (any(0 < c < mcc for c in pair_counts) or bool(one_way_groups))
    raw_p = {r["group"]: SUPPRESSED if r["group"] in one_way_groups
             else gate(r["p_value"], pair_sizes[r["group"]]) for _, r in holm_rows.iterrows()}
    holm_p = {r["group"]: (SUPPRESSED if holm_hidden and r["testable"]
                           else _plain(r["p_adjusted"])) for _, r in holm_rows.iterrows()}

    tests = interaction_tests(patients, seed=seed, n_permutations=n_permutations)
    odds = responder_odds_ratios(patients, alpha=alpha)
    if mcc > 0:  # tests of counts, from the counts rounded as a reader sees them
        rounded = {k: (round_count(events[k]), round_count(sizes[k] - events[k]))
                   for k in SEIZURE_TYPES}
        odds, likelihood_ratio = _logistic(_children_with(rounded), "focal", alpha)
        fisher = release_table_test([[e, n - e] for e, n in zip(events.values(), sizes.values(),
                                                                strict=True)], mcc, seed)
        tests = tests.astype({"p_value": object, "method": object, "note": object})
        is_fisher = tests["test"].str.startswith("Fisher-Freeman-Halton")
        tests.loc[is_fisher, ["p_value", "method", "note"]] = [
            fisher["p_value"] if fisher["testable"] else None, fisher["method"], fisher["note"]]
        is_logistic = tests["test"].str.startswith("logistic")
        # alpha sets the odds ratios' intervals only, not the likelihood ratio
        tests.loc[is_logistic, "p_value"] = likelihood_ratio["p_value"]
    fisher_row = tests.set_index("test").loc["Fisher-Freeman-Halton, seizure type x responder"]
    power_row = interaction_power(patients, alpha=alpha, min_cell_count=mcc).iloc[0]
    names = ["kruskal_score_change", "kruskal_score_change_permutation",
             "kruskal_percent_change", "kruskal_percent_change_permutation",
             "fisher_freeman_halton", "logistic_likelihood_ratio"]
    outcome_sizes = {"score_change": [sizes[k] for k in SEIZURE_TYPES],
                     "percent_change": [sizes[k] for k in SEIZURE_TYPES], "responder": cells}
    interaction = {name: gate(row["p_value"], outcome_sizes[row["outcome"]])
                   for name, (_, row) in zip(names, tests.iterrows(), strict=True)}
    test_methods = dict(zip(names, tests["method"], strict=True))  # None: not run

    general = patients[patients["seizure_type"] == "generalized"]
    pairs = general[["baseline_score", "month12_score"]].dropna()
    n_changed = int((pairs["baseline_score"] != pairs["month12_score"]).sum())
    exact_p = exact_signed_rank_p(pairs["baseline_score"], pairs["month12_score"])
    curve = specification_curve(data, "generalized", alpha, placebo_rate=PLACEBO_RATE,
                                attrition=attrition)
    fell = int((pairs["month12_score"] < pairs["baseline_score"]).sum())
    general_counts = [len(pairs), n_changed, fell, n_changed - fell, events["generalized"],
                      sizes["generalized"]]

    # tests of the overall rate use the counts a reader sees: with disclosure control on, the
    # rounded ones (an exact binomial p of exact counts would give them back)
    responders, analysed = released_pair(responders, analysed, mcc)
    children = released_pair(len(data), len(data), mcc)[1]
    placebo = placebo_comparison(responders, analysed, PLACEBO_RATE,
                                 totals=itt_totals(children, attrition))
    # a large cohort's responder rate hardly varies: fewer cohorts keep the run short
    cohorts = min(n_cohorts, max(200, _SIMULATION_BUDGET // max(analysed, 1)))
    simulate = null_simulation(
        analysed, responders / analysed if analysed else float("nan"), n_cohorts=cohorts,
        seed=seed, responder_threshold=responder_threshold,
        **_baseline_distribution(patients))
    studies = load_ivig_cohorts()
    studies.loc[studies["study"] == THIS_STUDY, ["n", "responders"]] = [analysed, responders]
    studies.loc[studies["study"] == THIS_STUDY, "study"] = "this cohort"
    if not analysed:
        studies = studies[studies["study"] != "this cohort"]
    pooled = pooled_responder_rate(studies, alpha).iloc[0]
    sizes_80 = rct_sample_size(alpha=alpha, power=0.8).set_index("test")["n_per_arm"]
    sizes_90 = rct_sample_size(alpha=alpha, power=0.9).set_index("test")["n_per_arm"]
    power_60 = power_curve([60], alpha=alpha).iloc[0]["power"]
    single = single_arm_sample_size(alpha=alpha).iloc[0]
    overall = [responders, analysed]
    families = curve["family"].unique()
    benchmark_p = {row["benchmark"]: gate(row["p_value"], overall)
                   for _, row in placebo[placebo["denominator"] == "children analysed"].iterrows()}
    itt = {str(int(row["n"])): gate(row["p_value"], overall)
           for _, row in placebo.iterrows() if row["denominator"] != "children analysed"
           and row["benchmark_rate"] == PLACEBO_RATE}
    result = {
        "alpha": alpha, "seed": seed, "responder_threshold": responder_threshold,
        "min_cell_count": mcc,
        "missing_followup_handling": missing_followup,
        "holm_raw_p": raw_p,
        "holm_p": holm_p,
        "interaction_p": interaction["fisher_freeman_halton"],
        "interaction_tests": interaction,
        "odds_ratios": {**{row["group"]: {
            # the reference's 1 is a definition, not a number of the data
            "odds_ratio": (_plain(row["odds_ratio"]) if row["group"] == row["reference"]
                           and row["estimable"] else gate(row["odds_ratio"], cells)),
            "ci": [gate(row["ci_low"], cells), gate(row["ci_high"], cells)],
            "estimable": bool(row["estimable"]), "reference": row["reference"]}
            for _, row in odds.iterrows()}, **{  # a type its rounded counts leave out
            kind: {"odds_ratio": SUPPRESSED, "ci": [SUPPRESSED, SUPPRESSED], "estimable": False,
                   "reference": odds["reference"].iloc[0] if len(odds) else None}
            for kind in SEIZURE_TYPES if sizes[kind] and kind not in set(odds["group"])}},
        "interaction_power": gate(power_row["power"], [power_row["n_a"], power_row["n_b"]]),
        "interaction_power_groups": [power_row["group_a"], power_row["group_b"]],
        # withheld with disclosure control on, as the specification table and figure are: an
        # exact p of few changed children is a function of their exact count
        "generalized_exact_p": SUPPRESSED if mcc > 0 and exact_p is not None
        else gate(exact_p, general_counts[:4]),
        "generalized_n_changed": release_count(n_changed, mcc),
        "specification_share_significant": gate(specification_share(curve), general_counts),
        "specification_share_by_family": {f: gate(specification_share(curve, family=f),
                                                  general_counts) for f in families},
        "specification_count": int(len(curve)),
        "placebo_rate": PLACEBO_RATE,
        "placebo_binomial_p": gate(placebo["p_value"].iloc[0], overall),
        "placebo_benchmark_p": benchmark_p,
        "itt_placebo_p": itt,
        "null_simulation_share": gate(simulate["share_reaching_observed"], overall),
        "null_simulation_median_rate": gate(simulate["median_responder_rate"], overall),
        "null_simulation_settings": _released_settings(simulate["settings"], overall, mcc),
        "pooled_responder_rate": {
            "rate": gate(pooled["rate"], overall),
            "ci": [gate(pooled["ci_low"], overall), gate(pooled["ci_high"], overall)],
            "prediction_interval": [gate(pooled["pi_low"], overall),
                                    gate(pooled["pi_high"], overall)],
            "i2": gate(pooled["i2"], overall), "tau2": gate(pooled["tau2"], overall),
            "k": int(pooled["k"]), "studies": list(studies["study"])},
        "rct_n_per_arm_80": _plain(sizes_80["pooled-variance normal formula"]),
        "rct_n_per_arm_80_arcsine": _plain(
            sizes_80["arcsine (Cohen's h), statsmodels NormalIndPower"]),
        "rct_n_per_arm_90": _plain(sizes_90["pooled-variance normal formula"]),
        "rct_power_60_per_arm": _plain(power_60),
        "single_arm_n": _plain(single["n"]),
        "methods": {
            "holm_p": "asymptotic", "interaction_p": fisher_row["method"] or None,
            "kruskal_score_change": "asymptotic",
            "kruskal_score_change_permutation": test_methods["kruskal_score_change_permutation"],
            "kruskal_percent_change": "asymptotic",
            "kruskal_percent_change_permutation":
                test_methods["kruskal_percent_change_permutation"],
            "logistic_likelihood_ratio": "asymptotic",
            "generalized_exact_p": "exact", "placebo_binomial_p": "exact",
            "null_simulation_share": "Monte Carlo", "pooled_responder_rate": "asymptotic",
            "interaction_power": "asymptotic", "rct_n_per_arm_80": "asymptotic",
            "single_arm_n": "exact"},
        "method_descriptions": {
            "holm_p": "Holm step-down correction of the asymptotic Wilcoxon signed-rank p of "
                      "each seizure type (scores, no continuity correction, as SPSS)",
            "interaction_p": f"seizure type against responder status: {fisher_row['note']}",
            "generalized_exact_p": "exact conditional Wilcoxon signed-rank test, every sign "
                                   "flip of the non-zero score differences enumerated",
            "specification_share_significant": "share of the specifications (exact and "
                                               f"asymptotic tests) with p below {alpha}",
            "placebo_binomial_p": "one-sided exact binomial test against the placebo rate "
                                  "19% (Rheims et al. 2008)",
            "null_simulation_share": "share of simulated no-effect cohorts (negative binomial "
                                     "counts, SD = mean^0.7, enrolment after a bad stretch) "
                                     "reaching the observed responder rate",
            "pooled_responder_rate": "random effects on the logit scale, Paule-Mandel tau^2, "
                                     "Hartung-Knapp interval, prediction interval t(k-2)",
            "rct_n_per_arm_80": "pooled-variance normal formula, two-sided, 37% vs 19%",
            "single_arm_n": "smallest n for an exact one-sided binomial test against 19% "
                            "with 80% power at 37%"},
    }
    if mcc > 0:  # p-values as privacy.release_p releases them
        for key in ("holm_raw_p", "holm_p", "interaction_tests", "placebo_benchmark_p",
                    "itt_placebo_p"):
            result[key] = {k: release_p(v, mcc) for k, v in result[key].items()}
        for key in ("interaction_p", "generalized_exact_p", "placebo_binomial_p"):
            result[key] = release_p(result[key], mcc)
    if analysed > SIMULATION_COHORT_LIMIT:
        result["method_descriptions"]["null_simulation_share"] = simulate["note"]
    if len(general) and n_changed > MAX_EXACT_PAIRS:
        result["method_descriptions"]["generalized_exact_p"] = (
            f"{n_changed} changed pairs, above {MAX_EXACT_PAIRS}: not enumerated")
    return _plain(result)


def released_pair(events: int, n: int, min_cell_count: int = 0) -> tuple[int, int]:
    """Events and total as a reader sees them: rounded when disclosure control is on (a
    redacted count stays exact here: every statistic of it is withheld anyway).

    Examples
    --------
    >>> released_pair(22, 61, 5), released_pair(22, 61), released_pair(3, 61, 5)
    ((20, 60), (22, 61), (3, 61))
    """
    shown = release_count(events, min_cell_count), release_count(n, min_cell_count)
    if min_cell_count <= 0 or not all(is_number(v) for v in shown):
        return events, n
    return min(shown[0], shown[1]), shown[1]


def _released_settings(settings: dict, overall: list, min_cell_count: int) -> dict:
    """The simulation's settings as they may be shown: the cohort's size and rate withheld when
    a count behind them is hidden (they are then exact), the baselines' median and spread at
    the precision of a page (a median ending in 5 in the second decimal says the group is even).
    """
    settings = _plain(settings)
    if min_cell_count <= 0:
        return settings
    hidden = any(0 < c < min_cell_count for c in overall)
    return {**settings,
            "n_children": SUPPRESSED if hidden else settings["n_children"],
            "observed_rate": SUPPRESSED if hidden else settings["observed_rate"],
            "median_rate": round(settings["median_rate"], 1),
            "sigma_log": round(settings["sigma_log"], 2)}


def _children_with(cells: dict) -> pd.DataFrame:
    """One row per child from (responders, non-responders) by seizure type: the odds ratios and
    the likelihood ratio of counts a reader sees."""
    sizes = [a + b for a, b in cells.values()]
    responder = np.concatenate([np.repeat([True, False], c) for c in cells.values()])
    return pd.DataFrame({"seizure_type": pd.Categorical(np.repeat(list(cells), sizes),
                                                        categories=SEIZURE_TYPES),
                         "responder": responder})


def _baseline_distribution(patients: pd.DataFrame) -> dict:
    """The simulation's distribution of true rates from the cohort's baselines (defaults when
    there are too few)."""
    baseline = patients["baseline_seizures_per_month"].to_numpy(dtype=float)
    baseline = baseline[np.isfinite(baseline) & (baseline > 0)]
    settings = {}
    if baseline.size:
        settings["median_rate"] = float(np.median(baseline))
    if baseline.size >= 3:
        settings["sigma_log"] = float(np.std(np.log(baseline), ddof=1))
    return settings


# --- Views for the appraisal notebook: tables built from the released ``appraisal`` object, so
# that a page shows exactly what results.json holds (withheld numbers included).

def holm_view(appraisal: dict) -> pd.DataFrame:
    """Each seizure type's within-group p-value before and after Holm's correction."""
    return pd.DataFrame([{"group": kind, "p_value": appraisal["holm_raw_p"].get(kind),
                          "p_adjusted": appraisal["holm_p"].get(kind)}
                         for kind in appraisal["holm_p"]],
                        columns=["group", "p_value", "p_adjusted"])


def interaction_view(appraisal: dict) -> pd.DataFrame:
    """The tests of a difference between seizure types, each with its method."""
    words = {"kruskal_score_change": "Kruskal-Wallis, change in score",
             "kruskal_score_change_permutation": "Kruskal-Wallis, change in score, permutation",
             "kruskal_percent_change": "Kruskal-Wallis, percent change",
             "kruskal_percent_change_permutation": "Kruskal-Wallis, percent change, "
                                                   "permutation",
             "fisher_freeman_halton": "Fisher-Freeman-Halton, responder status",
             "logistic_likelihood_ratio": "Logistic regression, responder status"}
    methods = appraisal["methods"]

    if methods.get("interaction_p") == "asymptotic":  # too large a table for the exact test
        words["fisher_freeman_halton"] = "Pearson's chi-square, responder status"

    def method(name):
        if name == "fisher_freeman_halton":
            return methods["interaction_p"]
        if name.endswith("_permutation") and methods.get(name) is None:
            return f"not run above {PERMUTATION_LIMIT:,} children (chi-square above is accurate)"
        return methods.get(name, methods.get("interaction_p"))

    return pd.DataFrame([{"test": words.get(name, name), "p_value": p,
                          "method": "not shown (disclosure control)" if p == SUPPRESSED
                          else method(name)}
                         for name, p in appraisal["interaction_tests"].items()],
                        columns=["test", "p_value", "method"])


def odds_ratio_view(appraisal: dict) -> pd.DataFrame:
    """Odds of responding by seizure type against the reference type, with 95% intervals."""
    rows = []
    for kind, row in appraisal["odds_ratios"].items():
        low, high = row["ci"]
        rows.append({"group": kind, "odds_ratio": row["odds_ratio"],
                     "ci": "reference" if kind == row["reference"] else
                     (f"{low:.2f} to {high:.2f}" if is_number(low) and is_number(high)
                      else (low if isinstance(low, str) else "not estimable"))})
    return pd.DataFrame(rows, columns=["group", "odds_ratio", "ci"])


def cohorts_with(responders, analysed) -> pd.DataFrame:
    """The published IVIG cohorts with this cohort's (released) counts in place of the study's
    row; a withheld count leaves this cohort out."""
    studies = load_ivig_cohorts()
    mine = studies["study"] == THIS_STUDY
    if is_number(responders) and is_number(analysed) and analysed:
        studies.loc[mine, ["n", "responders"]] = [int(analysed), int(min(responders, analysed))]
        studies.loc[mine, "study"] = "these data"
        return studies
    return studies[~mine].reset_index(drop=True)

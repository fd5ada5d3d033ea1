"""The statistics of the critical appraisal: how much weight can the study's findings bear?

Seven families of checks, each a function that takes a cohort's patient table (the output of
:func:`ivig_helpers.add_outcomes`), the cohort table itself (``load_cohort(...).table``) or plain
numbers, and returns a DataFrame with one row per test or estimate (or a small dict). One module
a family, as statsmodels groups ``stats.multitest``, ``stats.power`` and
``stats.meta_analysis``; every name is also importable from here:

1. multiplicity (:mod:`.multiplicity`): :func:`holm_table`;
2. does response differ between seizure types (the interaction, not three within-group tests;
   :mod:`.interaction`): :func:`interaction_tests`, :func:`responder_odds_ratios`, the interval
   of the difference (:func:`responder_difference`, :func:`difference_from_counts`) and the
   smallest difference the groups would detect (:func:`detectable_difference`, normal
   approximation; :func:`exact_detectable_difference`, Fisher's exact test, exact power by
   enumeration in :mod:`.power`, with :func:`fisher_exact_power`);
3. how fragile "p = 0.019 in the generalized group" is (:mod:`.fragility`):
   :func:`exact_signed_rank_p`, :func:`specification_curve`, :func:`specification_families`,
   :func:`specification_share`;
4. placebo response and regression to the mean (:mod:`.placebo`): :func:`benchmark_table`,
   :func:`placebo_comparison`, :func:`null_simulation`, :func:`null_simulation_grid`;
5. the other published IVIG cohorts (:mod:`.evidence`): :func:`load_ivig_cohorts`,
   :func:`exact_intervals`, :func:`pooled_responder_rate`, :func:`pooled_with_and_without`;
   their random-effects machinery, shared with the pool of several centres' reports
   (:mod:`.pooling`: :func:`~.pooling.random_effects`, :func:`~.pooling.pooled_odds_ratio`,
   :func:`~.pooling.leave_one_out`, :func:`~.pooling.rounding_envelope`);
6. the trial that would settle it (:mod:`.trial_size`): :func:`rct_sample_size`,
   :func:`power_curve`, :func:`sceptical_trial_sizes`, :func:`single_arm_sample_size`;
7. the ``appraisal`` object of ``results.json``: :func:`appraisal_results` (here).

The published placebo and active add-on rates live in :mod:`ivig_helpers.benchmarks_published`.
The tables the appraisal notebook shows (:func:`holm_view`, :func:`interaction_view`,
:func:`odds_ratio_view`, :func:`cohorts_with`) sit with their family.

Columns are named once and mean the same everywhere: ``test`` (what is tested or estimated),
``group``, ``n``, ``events``, ``rate``, ``statistic``, ``p_value``, ``method`` (always one of
"exact", "asymptotic" or "Monte Carlo"), ``testable`` and ``note`` (why a number is missing, or
what to keep in mind). Nothing raises on an unusual cohort (a seizure type with 0, 1 or 2
children, no responders, no follow-up at all): the number is NaN and the note says why. Every
random step is seeded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..benchmarks_published import BENCHMARKS, PLACEBO_RATE, TRIAL_LABEL
from ..comparisons import paired_wilcoxon
from ..contract import SEIZURE_TYPES
from ..outcomes import add_outcomes
from ..parameters import RUN_SEED
from ..plain import plain as _plain
from ..privacy import (
    SUPPRESSED,
    is_number,
    release_count,
    release_p,
    release_statistic,
    release_table_test,
    round_count,
)
from . import evidence, fragility, interaction, multiplicity, placebo, power, trial_size
from ._shared import _typed, released_pair
from .evidence import (
    IVIG_COHORTS,
    OVERLAPPING,
    THIS_STUDY,
    cohorts_with,
    exact_intervals,
    load_ivig_cohorts,
    pooled_responder_rate,
    pooled_view,
    pooled_with_and_without,
)
from .fragility import (
    MAX_EXACT_PAIRS,
    SPECIFICATION_COLUMNS,
    exact_signed_rank_p,
    specification_curve,
    specification_families,
    specification_share,
)
from .interaction import (
    PERMUTATION_LIMIT,
    _logistic,
    detectable_difference,
    difference_from_counts,
    difference_view,
    interaction_tests,
    interaction_view,
    odds_ratio_view,
    responder_difference,
    responder_odds_ratios,
)
from .multiplicity import holm_table, holm_view
from .placebo import (
    _SIMULATION_BUDGET,
    NULL_GRID,
    SIMULATION_COHORT_LIMIT,
    STUDY_ATTRITION,
    benchmark_table,
    benchmark_view,
    grid_summary,
    grid_view,
    itt_totals,
    null_simulation,
    null_simulation_grid,
    placebo_comparison,
)
from .power import (
    EXACT_POWER_LIMIT,
    exact_detectable_difference,
    fisher_exact_power,
    fisher_rejection_region,
)
from .trial_size import (
    SCEPTICAL_PLACEBO_RATES,
    SHRINKAGE,
    STUDY_N_PER_ARM,
    STUDY_RESPONDERS,
    power_curve,
    rct_sample_size,
    sceptical_trial_sizes,
    sceptical_trial_view,
    single_arm_sample_size,
)

__all__ = [
    # the families
    "evidence", "fragility", "interaction", "multiplicity", "placebo", "power", "trial_size",
    # constants
    "BENCHMARKS", "EXACT_POWER_LIMIT", "IVIG_COHORTS", "MAX_EXACT_PAIRS", "PERMUTATION_LIMIT",
    "PLACEBO_RATE",
    "SCEPTICAL_PLACEBO_RATES", "SHRINKAGE", "SIMULATION_COHORT_LIMIT", "SPECIFICATION_COLUMNS",
    "STUDY_ATTRITION", "STUDY_N_PER_ARM", "STUDY_RESPONDERS", "THIS_STUDY",
    "NULL_GRID", "OVERLAPPING",
    # 1. multiplicity
    "holm_table", "holm_view",
    # 2. the interaction
    "detectable_difference", "difference_from_counts", "difference_view", "interaction_tests",
    "exact_detectable_difference", "fisher_exact_power", "fisher_rejection_region",
    "interaction_view", "odds_ratio_view", "responder_difference", "responder_odds_ratios",
    # 3. fragility
    "exact_signed_rank_p", "specification_curve", "specification_families",
    "specification_share",
    # 4. placebo and regression to the mean
    "benchmark_table", "benchmark_view", "grid_summary", "grid_view", "itt_totals",
    "null_simulation", "null_simulation_grid", "placebo_comparison",
    # 5. the evidence
    "cohorts_with", "exact_intervals", "load_ivig_cohorts", "pooled_responder_rate",
    "pooled_view", "pooled_with_and_without",
    # 6. the trial
    "power_curve", "rct_sample_size", "sceptical_trial_sizes", "sceptical_trial_view",
    "single_arm_sample_size",
    # 7. results.json
    "appraisal_results", "released_pair",
]


def appraisal_results(table: pd.DataFrame, responder_threshold: float = 0.5,
                      missing_followup: str = "nonresponder", alpha: float = 0.05,
                      seed: int = RUN_SEED, min_cell_count: int = 0, n_permutations: int = 9999,
                      n_cohorts: int = 10_000, attrition=STUDY_ATTRITION,
                      shown_counts: dict | None = None) -> dict:
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
    shown_counts : dict, optional
        With disclosure control on, the counts the release shows (type -> (responders,
        children), and "overall" -> (responders, children analysed); a withheld one a string):
        the difference between types and the detectable difference are computed from them,
        and withheld when one is withheld (by default the counts rounded here).

    Returns
    -------
    dict
        Plain JSON-ready values (None for NaN): ``holm_p`` and ``holm_raw_p`` (type -> p),
        ``interaction_p`` (Fisher-Freeman-Halton of type against responder status),
        ``interaction_tests`` (test -> p), ``odds_ratios``, ``type_difference``
        (generalized against focal: ``odds_ratio`` with ``odds_ratio_ci``, exact conditional;
        ``risk_difference``, generalized minus focal, with ``risk_difference_ci``, Newcombe;
        None for an infinite value or an interval with no upper limit; ``estimable``,
        ``odds_ratio_estimable``, ``note``), ``detectable_difference`` (the smallest true
        rise of the generalized rate over the cohort's overall rate, assumed for focal, that
        groups of the sizes ``n`` would detect with ``power`` 0.8: ``base_rate``, ``rate``,
        ``difference`` by the arcsine normal approximation, ``rate_exact``,
        ``difference_exact`` and ``attained_power_exact`` by Fisher's exact test, two-sided,
        exact power enumerated (None above :data:`EXACT_POWER_LIMIT` children or when no rate
        up to 100% is enough), ``note``, ``note_exact``),
        ``generalized_exact_p`` (exact conditional signed-rank p of the generalized scores,
        None when no pair changed or above the enumeration limit), ``generalized_n_changed``,
        ``specification_share_significant`` (every distinct analysis pooled: it mixes
        different questions, kept for compatibility, not a measure of robustness),
        ``specification_share_by_family`` (family -> share below alpha),
        ``specification_count`` (distinct analyses), ``specification_families`` (family ->
        its question, analyses, below_alpha, share, p_min, p_max, p_reference, methods,
        holm_groups, holm_below_alpha, p_holm_min, p_holm_max; all withheld with disclosure
        control on: an exact p of few children's changes gives their counts back),
        ``placebo_binomial_p``
        (one-sided exact against 0.19), ``placebo_benchmark_p`` (benchmark -> p),
        ``itt_placebo_p``, ``null_simulation_share``, ``null_simulation_median_rate``,
        ``null_simulation_settings``, ``pooled_responder_rate`` (rate, ci, prediction
        interval, i2, tau2, k; the published cohorts with this cohort in place of the study's
        row), ``pooled_responder_rate_without_overlap`` (the same without Bello-Espinosa et al.
        2015, and ``left_out``), ``placebo_benchmark_limit_p`` (benchmark -> one-sided exact p
        against the upper end of its interval), ``trial_placebo_p`` (against the IVIG trial's
        reconstructed placebo arm, 5/18), ``null_simulation_grid`` (``settings``,
        ``share_min``, ``share_median``, ``share_max``, ``settings_often``, ``often``,
        ``rate_min``, ``rate_max``, ``grid``, ``pool_size`` and ``cells``, one per setting of
        :data:`NULL_GRID`), ``rct_n_per_arm_80`` (pooled-variance formula),
        ``rct_n_per_arm_80_arcsine``, ``rct_n_per_arm_90``, ``rct_power_60_per_arm`` (the
        published check), ``rct_study_n_per_arm`` (30: a trial as large as the study) and its power
        ``rct_power_30_per_arm``, ``sceptical_trial`` (one row per placebo rate: ``source``,
        ``known``, ``p_control``, ``p_treatment`` shrunk halfway from the study's 22/60,
        ``difference``, ``n_per_arm_80``, ``n_per_arm_90``, ``power_study_size``; see
        :func:`sceptical_trial_sizes`), ``sceptical_trial_shrinkage``, ``single_arm_n``,
        ``methods`` (each
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
    model_withheld = False
    odds = responder_odds_ratios(patients, alpha=alpha)
    if mcc > 0:  # tests of counts, from the counts rounded as a reader sees them
        rounded = {k: (round_count(events[k]), round_count(sizes[k] - events[k]))
                   for k in SEIZURE_TYPES}
        odds, likelihood_ratio = _logistic(_children_with(rounded), "focal", alpha)
        model_withheld = any(0 < c < mcc for c in cells)
        if model_withheld:
            # a hidden cell rounds to 0 or to 5, and whether a type's odds ratio can be
            # estimated would say which (1 or 2, or 3 or 4): the model is withheld whole
            reference = odds["group"] == odds["reference"]  # its 1 is a definition
            odds = odds.assign(estimable=reference, odds_ratio=np.where(reference, 1.0, np.nan),
                               ci_low=np.nan, ci_high=np.nan)
            likelihood_ratio = {**likelihood_ratio, "p_value": SUPPRESSED}
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
    # with disclosure control on, the simulation starts from the baselines' median and spread as
    # they are released (see _released_settings), not from their exact values, which its share
    # could otherwise be inverted to
    grid_from = _baseline_distribution(patients)
    if mcc > 0:
        grid_from = {k: round(v, 1 if k == "median_rate" else 2) for k, v in grid_from.items()}
    simulate = null_simulation(
        analysed, responders / analysed if analysed else float("nan"), n_cohorts=cohorts,
        seed=seed, responder_threshold=responder_threshold, **grid_from)
    # the same over a grid of its assumptions
    grid = null_simulation_grid(
        analysed, responders / analysed if analysed else float("nan"), seed=seed,
        responder_threshold=responder_threshold, pool_size=max(1000, n_cohorts // 2),
        **grid_from)
    studies = load_ivig_cohorts()
    studies.loc[studies["study"] == THIS_STUDY, ["n", "responders"]] = [analysed, responders]
    studies.loc[studies["study"] == THIS_STUDY, "study"] = "this cohort"
    if not analysed:
        studies = studies[studies["study"] != "this cohort"]
    both = pooled_with_and_without(studies, alpha)
    pooled, without = both.iloc[0], both.iloc[1]
    between = _type_difference(events, sizes, responders, analysed, alpha, mcc, shown_counts)
    sizes_80 = rct_sample_size(alpha=alpha, power=0.8).set_index("test")["n_per_arm"]
    sizes_90 = rct_sample_size(alpha=alpha, power=0.9).set_index("test")["n_per_arm"]
    power_60, power_study = power_curve([60, STUDY_N_PER_ARM], alpha=alpha)["power"].iloc[:2]
    sceptical = sceptical_trial_sizes(alpha=alpha)
    single = single_arm_sample_size(alpha=alpha).iloc[0]
    overall = [responders, analysed]
    families = specification_families(curve, alpha)
    benchmark_p = {row["benchmark"]: gate(row["p_value"], overall)
                   for _, row in placebo[placebo["denominator"] == "children analysed"].iterrows()}
    analysed_rows = placebo[placebo["denominator"] == "children analysed"]
    limit_p = {row["benchmark"]: gate(row["p_value_limit"], overall)
               for _, row in analysed_rows.iterrows() if np.isfinite(row["interval_high"])}
    trial_p = analysed_rows.loc[analysed_rows["benchmark"] == TRIAL_LABEL, "p_value"]
    summary = grid_summary(grid)
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
                           and row["estimable"] else gate(row["odds_ratio"], cells)
                           if not (mcc > 0 and np.isnan(row["odds_ratio"])) else SUPPRESSED),
            "ci": ([gate(row["ci_low"], cells), gate(row["ci_high"], cells)]
                   if not (mcc > 0 and np.isnan(row["ci_low"]) and row["group"] != row["reference"]
                           and model_withheld) else [SUPPRESSED, SUPPRESSED]),
            "estimable": bool(row["estimable"]), "reference": row["reference"]}
            for _, row in odds.iterrows()}, **{  # a type its rounded counts leave out
            kind: {"odds_ratio": SUPPRESSED, "ci": [SUPPRESSED, SUPPRESSED], "estimable": False,
                   "reference": odds["reference"].iloc[0] if len(odds) else None}
            for kind in SEIZURE_TYPES if sizes[kind] and kind not in set(odds["group"])}},
        **between,
        # withheld with disclosure control on, as the specification table and figure are: an
        # exact p of few changed children is a function of their exact count
        "generalized_exact_p": SUPPRESSED if mcc > 0 and exact_p is not None
        else gate(exact_p, general_counts[:4]),
        "generalized_n_changed": release_count(n_changed, mcc),
        # the multiverse is withheld whole with disclosure control on (its exact p-values,
        # and which analyses coincide, rest on the counts of few children)
        "specification_share_significant": SUPPRESSED if mcc > 0
        else _plain(specification_share(curve)),
        "specification_share_by_family": {
            f: SUPPRESSED if mcc > 0 else _plain(r["share"])
            for f, r in families.set_index("family").iterrows()},
        "specification_count": SUPPRESSED if mcc > 0 else int(len(curve)),
        "specification_families": {
            r["family"]: SUPPRESSED if mcc > 0 else _plain(r.drop(["family", "varies"]).to_dict())
            for _, r in families.iterrows()},
        "placebo_rate": PLACEBO_RATE,
        "placebo_binomial_p": gate(placebo["p_value"].iloc[0], overall),
        "placebo_benchmark_p": benchmark_p,
        "placebo_benchmark_limit_p": limit_p,
        "trial_placebo_p": gate(trial_p.iloc[0], overall) if len(trial_p) else None,
        "itt_placebo_p": itt,
        "null_simulation_share": gate(simulate["share_reaching_observed"], overall),
        "null_simulation_median_rate": gate(simulate["median_responder_rate"], overall),
        "null_simulation_settings": _released_settings(simulate["settings"], overall, mcc),
        # simulated shares to four decimals, as a page can show them (not sixteen digits)
        "null_simulation_grid": {
            **{k: (_four(gate(v, overall)) if k.startswith(("share", "rate")) else v)
               for k, v in summary.items()},
            "grid": {k: list(v) for k, v in NULL_GRID.items()},
            "pool_size": max(1000, n_cohorts // 2),
            "cells": [{**{k: _plain(row[k]) for k in NULL_GRID},
                       "seed": int(row["seed"]),
                       "share_reaching_observed": _four(gate(row["share_reaching_observed"],
                                                             overall)),
                       "median_responder_rate": _four(gate(row["median_responder_rate"],
                                                           overall))}
                      for _, row in grid.iterrows()]},
        "pooled_responder_rate": _pooled(pooled, list(studies["study"]), gate, overall),
        "pooled_responder_rate_without_overlap": {
            **_pooled(without, [s for s in studies["study"] if s != OVERLAPPING], gate,
                      overall), "left_out": OVERLAPPING},
        "rct_n_per_arm_80": _plain(sizes_80["pooled-variance normal formula"]),
        "rct_n_per_arm_80_arcsine": _plain(
            sizes_80["arcsine (Cohen's h), statsmodels NormalIndPower"]),
        "rct_n_per_arm_90": _plain(sizes_90["pooled-variance normal formula"]),
        "rct_power_60_per_arm": _plain(power_60),
        "rct_study_n_per_arm": STUDY_N_PER_ARM,
        "rct_power_30_per_arm": _plain(power_study),
        "sceptical_trial": _plain(sceptical.drop(columns=["p_observed", "method", "note"])
                                  .to_dict("records")),
        "sceptical_trial_shrinkage": SHRINKAGE,
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
            "type_difference_odds_ratio": "exact",
            "type_difference_risk_difference": "asymptotic",
            "detectable_difference": "asymptotic", "detectable_difference_exact": "exact",
            "rct_n_per_arm_80": "asymptotic",
            "sceptical_trial": "asymptotic", "single_arm_n": "exact",
            "placebo_benchmark_limit_p": "exact", "trial_placebo_p": "exact",
            "null_simulation_grid": "Monte Carlo",
            "pooled_responder_rate_without_overlap": "asymptotic"},
        "method_descriptions": {
            "holm_p": "Holm step-down correction of the asymptotic Wilcoxon signed-rank p of "
                      "each seizure type (scores, no continuity correction, as SPSS)",
            "interaction_p": f"seizure type against responder status: {fisher_row['note']}",
            "generalized_exact_p": "exact conditional Wilcoxon signed-rank test, every sign "
                                   "flip of the non-zero score differences enumerated",
            "specification_share_significant": "share of every distinct analysis (exact "
                                               f"and asymptotic tests) with p below {alpha}, "
                                               "pooled over families that ask different "
                                               "questions: read the families instead",
            "specification_families": "per family of the multiverse: distinct analyses, "
                                      "those below alpha, the smallest and largest p, raw "
                                      "and Holm-corrected for the types tested",
            "placebo_binomial_p": "one-sided exact binomial test against the placebo rate "
                                  "19% (Rheims et al. 2008)",
            "null_simulation_share": "share of simulated no-effect cohorts (negative binomial "
                                     "counts, SD = mean^0.7, enrolment after a bad stretch) "
                                     "reaching the observed responder rate",
            "pooled_responder_rate": "random effects on the logit scale, Paule-Mandel tau^2, "
                                     "Hartung-Knapp interval, prediction interval t(k-2)",
            "type_difference_odds_ratio": "odds ratio of responding, generalized against "
                                          "focal: conditional maximum likelihood estimate, "
                                          "exact conditional interval (SciPy, as R's "
                                          "fisher.test); no correction for a zero cell",
            "type_difference_risk_difference": "difference in responder rates, generalized "
                                               "minus focal: Newcombe's hybrid score interval "
                                               "from two Wilson intervals",
            "detectable_difference": "smallest true rise from the cohort's overall responder "
                                     "rate (assumed for focal) in the generalized rate that a "
                                     "two-sided test at alpha would detect with 80% power, "
                                     "groups of the sizes they are (arcsine normal "
                                     "approximation)",
            "detectable_difference_exact": "the same for the test the page uses between "
                                           "types, Fisher's exact test, two-sided at alpha: "
                                           "power by enumerating every pair of responder "
                                           "counts of the two groups, the smallest rise "
                                           "reaching 80% found by a grid search and bisection",
            "pooled_responder_rate_without_overlap": f"as pooled_responder_rate, without "
                                                     f"{OVERLAPPING} (possibly the same "
                                                     "centre's children)",
            "placebo_benchmark_limit_p": "one-sided exact binomial test against the upper end "
                                         "of each benchmark's interval (published CI, Romero's "
                                         "mean + 1 SD between trials, exact CI of 5/18)",
            "trial_placebo_p": "one-sided exact binomial test against the IVIG trial's placebo "
                               "arm, 5/18 (reconstructed from the Cochrane risk ratio)",
            "null_simulation_grid": "Monte Carlo: null_simulation over every combination of "
                                    "NULL_GRID (assumed), each setting seeded (seed + its "
                                    "row), the cohort's responder count binomial",
            "rct_n_per_arm_80": "pooled-variance normal formula, two-sided, 37% vs 19%",
            "rct_power_30_per_arm": "pooled-variance normal formula, two-sided, 37% vs 19%, "
                                    "30 per arm (the study's 60 children in two arms)",
            "sceptical_trial": "pooled-variance normal formula, two-sided; the IVIG rate "
                               "halfway between the study's 22/60 and each placebo rate "
                               "(assumed)",
            "single_arm_n": "smallest n for an exact one-sided binomial test against 19% "
                            "with 80% power at 37%"},
    }
    if mcc > 0:  # p-values as privacy.release_p releases them
        for key in ("holm_raw_p", "holm_p", "interaction_tests", "placebo_benchmark_p",
                    "placebo_benchmark_limit_p", "itt_placebo_p"):
            result[key] = {k: release_p(v, mcc) for k, v in result[key].items()}
        for key in ("interaction_p", "generalized_exact_p", "placebo_binomial_p",
                    "trial_placebo_p"):
            result[key] = release_p(result[key], mcc)
    if analysed > SIMULATION_COHORT_LIMIT:
        result["method_descriptions"]["null_simulation_share"] = simulate["note"]
    if len(general) and n_changed > MAX_EXACT_PAIRS:
        result["method_descriptions"]["generalized_exact_p"] = (
            f"{n_changed} changed pairs, above {MAX_EXACT_PAIRS}: not enumerated")
    return _plain(result)


def _type_difference(events: dict, sizes: dict, responders: int, analysed: int, alpha: float,
                     min_cell_count: int, shown_counts: dict | None = None,
                     group: str = "generalized", reference: str = "focal") -> dict:
    """``type_difference`` and ``detectable_difference`` of results.json: the difference
    between two types with its intervals, and the smallest difference their sizes would detect.

    With disclosure control on both come from the counts a reader sees (rounded as
    :func:`released_pair` rounds them), and the interval of the difference is withheld whole
    when a responder, non-responder or child count of either type is hidden, as the odds ratios
    are (its being estimable, or infinite, would say which hidden count it is); the detectable
    difference rests on the two types' sizes and the overall rate only.

    ``responders`` and ``analysed`` are the overall counts as released; ``shown_counts`` the
    counts the release shows, when given (see :func:`appraisal_results`).
    """
    mcc = min_cell_count
    pair = (group, reference)
    cells = [c for k in pair for c in (events[k], sizes[k] - events[k], sizes[k])]
    shown = {k: released_pair(events[k], sizes[k], mcc) for k in pair}
    if mcc > 0 and shown_counts:  # the release's own counts (it may withhold more)
        shown = {k: tuple(shown_counts.get(k, (SUPPRESSED, SUPPRESSED))) for k in pair}
        responders, analysed = shown_counts.get("overall", (responders, analysed))
    withheld = not all(is_number(v) for k in pair for v in shown[k])
    hidden = mcc > 0 and (withheld or any(0 < c < mcc for c in cells))
    shown = {k: (0, 0) if withheld else (min(int(e), int(n)), int(n))
             for k, (e, n) in shown.items()}
    table = difference_from_counts(*shown[group], *shown[reference], alpha=alpha,
                                   group=group, reference=reference)
    odds, risk = table.iloc[0], table.iloc[1]

    def value(number):
        if hidden:
            return SUPPRESSED
        return None if np.isinf(number) else _plain(number)

    difference = {"group": group, "reference": reference,
                  "odds_ratio": value(odds["estimate"]),
                  "odds_ratio_ci": [value(odds["ci_low"]), value(odds["ci_high"])],
                  "risk_difference": value(risk["estimate"]),
                  "risk_difference_ci": [value(risk["ci_low"]), value(risk["ci_high"])],
                  # the risk difference is estimable whenever both groups have a child
                  "estimable": bool(risk["estimable"]) and not hidden,
                  "odds_ratio_estimable": bool(odds["estimable"]) and not hidden,
                  "note": ("withheld: a count of one of the two types is hidden (disclosure "
                           "control)" if hidden else odds["note"] if odds["note"] and not
                           odds["note"].startswith("conditional") else risk["note"]
                           if not risk["estimable"] else "")}
    group_sizes = [release_count(sizes[k], mcc) if not (mcc > 0 and shown_counts) else
                   shown_counts.get(k, (None, SUPPRESSED))[1] for k in pair]
    size_hidden = mcc > 0 and (any(0 < sizes[k] < mcc for k in pair)
                               or not all(is_number(v) for v in group_sizes)
                               or not all(is_number(v) for v in (responders, analysed))
                               or any(0 < c < mcc for c in (responders, analysed)))
    base = responders / analysed if not size_hidden and analysed else float("nan")
    sizes_shown = [int(v) if is_number(v) else 0 for v in group_sizes]
    found = detectable_difference(*sizes_shown, base, alpha=alpha).iloc[0]
    exact = exact_detectable_difference(*sizes_shown, base, alpha=alpha).iloc[0]
    detectable = {"group": group, "reference": reference,
                  "n": dict(zip(pair, group_sizes, strict=True)),
                  "base_rate": SUPPRESSED if size_hidden else _plain(base),
                  "rate": SUPPRESSED if size_hidden else _plain(found["rate"]),
                  "difference": SUPPRESSED if size_hidden else _plain(found["difference"]),
                  "power": float(found["power"]),
                  "rate_exact": SUPPRESSED if size_hidden else _plain(exact["rate"]),
                  "difference_exact": SUPPRESSED if size_hidden else _plain(exact["difference"]),
                  "attained_power_exact": SUPPRESSED if size_hidden
                  else _plain(exact["attained_power"]),
                  "note": "withheld: a count it rests on is hidden (disclosure control)"
                  if size_hidden else found["note"],
                  "note_exact": "withheld: a count it rests on is hidden (disclosure control)"
                  if size_hidden else exact["note"]}
    return {"type_difference": difference, "detectable_difference": detectable}


def _four(value):
    """A simulated share to four decimals; a withheld one as it is."""
    return round(float(value), 4) if is_number(value) else value


def _pooled(row: pd.Series, studies: list, gate, overall: list) -> dict:
    """One row of :func:`pooled_with_and_without` as ``results.json`` holds it."""
    return {"rate": gate(row["rate"], overall),
            "ci": [gate(row["ci_low"], overall), gate(row["ci_high"], overall)],
            "prediction_interval": [gate(row["pi_low"], overall), gate(row["pi_high"], overall)],
            "i2": gate(row["i2"], overall), "tau2": gate(row["tau2"], overall),
            "k": int(row["k"]), "studies": studies}


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

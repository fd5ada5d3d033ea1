"""Power done right (issue 18, part 2): no observed power; the interval of the difference between
seizure types; the smallest difference the groups would detect; trial sizes from a sceptical
effect; a trial as large as the study is 30 per arm.

Each number is checked against an independent value: SciPy's noncentral hypergeometric
distribution solved here for the exact conditional interval, statsmodels
(``confint_proportions_2indep``, ``Table2x2``, ``NormalIndPower``, ``power_proportions_2indep``,
``samplesize_proportions_2indep_onetail``), a power formula written out, the numbers of
../shared/study/FACTS.md section 5, and for the exact power of Fisher's exact test, SciPy's
``fisher_exact`` (every table enumerated here, and a seeded Monte Carlo whose tolerance comes from
its standard error).
"""

import json
import math

import numpy as np
import pytest
from scipy import optimize, stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    proportion_effectsize,
    samplesize_proportions_2indep_onetail,
)

from ivig_helpers import (
    BUNDLED_COHORT,
    add_outcomes,
    exercises,
    load_cohort,
    make_cohort,
    narrative_appraisal,
)
from ivig_helpers import appraisal as ap
from ivig_helpers.privacy import SUPPRESSED
from ivig_helpers.release import build_release


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(BUNDLED_COHORT).table


@pytest.fixture(scope="module")
def found(cohort):
    return ap.appraisal_results(cohort, n_permutations=99, n_cohorts=200)


# --- independent computations, written out -----------------------------------------------------

def conditional_interval(a, b, c, d, alpha=0.05):
    """Exact conditional (Cornfield) interval of the odds ratio of [[a, b], [c, d]]: the odds
    ratios at which each one-sided tail of Fisher's noncentral hypergeometric distribution of
    the top-left cell, given the margins, equals alpha / 2 (solved on the log scale)."""
    total, row, column = a + b + c + d, a + b, a + c
    low_cell, high_cell = max(0, row + column - total), min(row, column)

    def tail(log_or, upper):
        dist = stats.nchypergeom_fisher(total, column, row, math.exp(log_or))
        return (dist.sf(a - 1) if upper else dist.cdf(a)) - alpha / 2

    low = 0.0 if a == low_cell else math.exp(optimize.brentq(tail, -30, 30, args=(True,),
                                                             xtol=1e-12))
    high = math.inf if a == high_cell else math.exp(optimize.brentq(tail, -30, 30,
                                                                    args=(False,), xtol=1e-12))
    return low, high


def arcsine_power(h, n1, n2, alpha=0.05):
    """Power of the two-sided arcsine test, both tails, written out."""
    shift = h / math.sqrt(1 / n1 + 1 / n2)
    z = stats.norm.isf(alpha / 2)
    return stats.norm.cdf(shift - z) + stats.norm.cdf(-shift - z)


def pooled_power(p1, p2, n, alpha=0.05):
    """Power of the two-sided pooled-variance z test of two arms of n, the near tail only
    (Fleiss, Levin & Paik, Statistical Methods for Rates and Proportions, 4.14)."""
    mean = (p1 + p2) / 2
    null_sd = math.sqrt(2 * mean * (1 - mean))
    alt_sd = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    z = stats.norm.ppf(1 - alpha / 2)
    return stats.norm.cdf((abs(p1 - p2) * math.sqrt(n) - z * null_sd) / alt_sd)


# --- observed power is gone ----------------------------------------------------------------------

def test_observed_power_is_gone_everywhere(found):
    assert not hasattr(ap, "interaction_power")
    assert "interaction_power" not in found and "interaction_power_groups" not in found
    assert "interaction_power" not in found["methods"]
    assert not hasattr(exercises, "group_size_for_power")
    text = narrative_appraisal.appraisal_story(found)
    assert "as large as the one seen" not in text and "60 per arm" not in text


# --- the interval of the difference --------------------------------------------------------------

@pytest.mark.parametrize("counts", [(11, 22, 6, 23), (7, 9, 2, 14), (1, 3, 4, 5), (30, 60, 12, 55),
                                    (0, 4, 3, 10), (5, 5, 2, 9), (1, 1, 0, 1)])
def test_the_odds_ratio_interval_is_the_exact_conditional_one(counts):
    events, n, ref_events, ref_n = counts
    row = ap.difference_from_counts(*counts).iloc[0]
    low, high = conditional_interval(events, n - events, ref_events, ref_n - ref_events)
    assert row["method"] == "exact" and row["estimable"]
    assert row["ci_low"] == pytest.approx(low, rel=1e-6, abs=1e-12)
    if math.isinf(high):
        assert math.isinf(row["ci_high"]) and "no upper limit" in row["note"]
    else:
        assert row["ci_high"] == pytest.approx(high, rel=1e-6)


@pytest.mark.parametrize("counts", [(11, 22, 6, 23), (7, 9, 2, 14), (1, 3, 4, 5), (0, 4, 3, 10),
                                    (5, 5, 2, 9), (1, 1, 0, 1), (0, 3, 0, 10), (0, 1, 1, 1)])
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_the_risk_difference_interval_is_newcombes(counts, alpha):
    events, n, ref_events, ref_n = counts
    row = ap.difference_from_counts(*counts, alpha=alpha).iloc[1]
    low, high = confint_proportions_2indep(events, n, ref_events, ref_n, method="newcomb",
                                           compare="diff", alpha=alpha)
    assert row["estimate"] == pytest.approx(events / n - ref_events / ref_n)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-9, abs=1e-12)


def test_on_the_bundled_cohort_the_difference_agrees_with_the_logistic_regression(cohort):
    """The issue's numbers: sample odds ratio 2.83, Wald 0.81 to 9.90 (the logistic regression
    and statsmodels' Table2x2 give them); the exact conditional interval is wider."""
    patients = add_outcomes(cohort)
    table = ap.responder_difference(patients)
    wald = Table2x2(np.array([[11, 11], [6, 17]]))
    odds = ap.responder_odds_ratios(patients).set_index("group").loc["generalized"]
    assert odds["odds_ratio"] == pytest.approx(wald.oddsratio)
    assert (odds["ci_low"], odds["ci_high"]) == pytest.approx(wald.oddsratio_confint(),
                                                              rel=1e-6)
    assert round(wald.oddsratio, 2) == 2.83 and np.round(wald.oddsratio_confint(), 2).tolist() \
        == [0.81, 9.9]
    exact = table.iloc[0]
    assert exact["ci_low"] < odds["ci_low"] and exact["ci_high"] > odds["ci_high"]
    assert (exact["ci_low"], exact["ci_high"]) == pytest.approx(
        conditional_interval(11, 11, 6, 17), rel=1e-6)


def test_zero_cells_say_what_they_are():
    both_zero = ap.difference_from_counts(0, 3, 0, 10)
    assert not both_zero.iloc[0]["estimable"] and "any value fits" in both_zero.iloc[0]["note"]
    assert both_zero.iloc[1]["estimable"]  # the risk difference is 0 with an interval
    none = ap.difference_from_counts(0, 3, 5, 10).iloc[0]
    assert none["estimate"] == 0 and none["ci_low"] == 0 and "starts at 0" in none["note"]
    empty = ap.difference_from_counts(0, 0, 5, 10)
    assert not empty["estimable"].any() and "no generalized children" in empty.iloc[0]["note"]


def test_results_hold_an_infinite_odds_ratio_as_none_and_the_view_says_so(tmp_path):
    table = make_cohort(16, mix={"focal": 8, "generalized": 8}, seed=2,
                        responder_rates={"focal": 0.25, "generalized": 1.0, "both": 0.3})
    found = ap.appraisal_results(table, n_permutations=99, n_cohorts=100)
    json.dumps(found, allow_nan=False)
    difference = found["type_difference"]
    assert difference["odds_ratio"] is None and difference["odds_ratio_ci"][1] is None
    assert difference["odds_ratio_estimable"]
    view = ap.difference_view(found).set_index("interval")
    assert view.iloc[0]["estimate"] == "infinite"
    assert view.iloc[0]["ci"].endswith("to no upper limit")


# --- the smallest detectable difference ----------------------------------------------------------

@pytest.mark.parametrize("sizes", [(22, 23), (8, 30), (100, 100), (3, 40)])
@pytest.mark.parametrize("base", [0.0, 0.19, 22 / 60, 0.5])
def test_the_detectable_difference_has_80_percent_power_by_statsmodels(sizes, base):
    n, n_ref = sizes
    row = ap.detectable_difference(n, n_ref, base).iloc[0]
    h = NormalIndPower().solve_power(effect_size=None, nobs1=n_ref, ratio=n / n_ref,
                                     alpha=0.05, power=0.8, alternative="two-sided")
    assert row["effect_size"] == pytest.approx(h, rel=1e-5)
    assert arcsine_power(row["effect_size"], n, n_ref) == pytest.approx(0.8, abs=1e-9)
    if np.isfinite(row["rate"]):
        assert abs(proportion_effectsize(row["rate"], base)) == pytest.approx(h, rel=1e-5)
        assert row["difference"] == pytest.approx(row["rate"] - base)
    else:
        assert "too small" in row["note"]


# --- the same, exactly: Fisher's exact test, power by enumeration --------------------------------

@pytest.mark.parametrize("sizes", [(3, 3), (7, 4), (12, 15), (1, 9), (22, 23)])
@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
def test_the_rejection_region_is_where_scipys_fisher_exact_rejects(sizes, alpha):
    n, m = sizes
    region = ap.fisher_rejection_region(n, m, alpha)
    p = np.array([[stats.fisher_exact([[x, n - x], [y, m - y]]).pvalue for y in range(m + 1)]
                  for x in range(n + 1)])
    assert region.shape == p.shape
    clear = np.abs(p - alpha) > 1e-9 * alpha  # away from alpha, where rounding decides
    assert (region[clear] == (p[clear] < alpha)).all()
    assert not region[~clear].any()  # a p-value equal to alpha is not below it


def monte_carlo_fisher_power(n, m, p1, p2, draws, seed, alpha=0.05):
    """Share of simulated pairs of groups that scipy.stats.fisher_exact rejects, and its SE."""
    rng = np.random.default_rng(seed)
    x, y = rng.binomial(n, p1, draws), rng.binomial(m, p2, draws)
    rejected = [stats.fisher_exact([[a, n - a], [b, m - b]]).pvalue < alpha
                for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    share = float(np.mean(rejected))
    return share, math.sqrt(max(share * (1 - share), 1e-4) / draws)


@pytest.mark.parametrize("case", [(22, 23, 0.79, 22 / 60), (8, 30, 0.9, 0.3),
                                  (15, 15, 0.6, 0.2), (40, 10, 0.1, 0.5)])
def test_exact_power_agrees_with_a_monte_carlo_of_scipys_fisher_exact(case):
    n, m, p1, p2 = case
    exact = ap.fisher_exact_power(n, m, p1, p2)
    share, se = monte_carlo_fisher_power(n, m, p1, p2, draws=4000, seed=18 + n)
    assert abs(exact - share) < 4 * se  # about 1 in 16,000 to fail by chance; seeded


def test_exact_power_is_a_sum_over_the_tables_scipy_rejects():
    """Written out: every pair of counts, scipy's p-value, the two binomial probabilities."""
    n, m, p1, p2 = 9, 11, 0.75, 0.25
    total = sum(stats.binom.pmf(x, n, p1) * stats.binom.pmf(y, m, p2)
                for x in range(n + 1) for y in range(m + 1)
                if stats.fisher_exact([[x, n - x], [y, m - y]]).pvalue < 0.05)
    assert ap.fisher_exact_power(n, m, p1, p2) == pytest.approx(total, rel=1e-12)
    assert ap.fisher_exact_power(n, m, [p1, p2], p2)[0] == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("rates", [(0.4, 0.3), (0.36, 0.3), (0.2, 0.25)])
def test_for_large_groups_exact_power_is_near_statsmodels_normal_approximation(rates):
    """Fisher's test is conservative: a little below the arcsine approximation (without a
    continuity correction), never far, and nearer in larger groups."""
    p1, p2 = rates
    gaps = []
    for n in (400, 1000):
        approximate = NormalIndPower().power(effect_size=proportion_effectsize(p1, p2),
                                             nobs1=n, alpha=0.05, ratio=1.0)
        gaps.append(approximate - ap.fisher_exact_power(n, n, p1, p2))
    assert 0 < gaps[1] < gaps[0] < 0.04


def test_for_large_groups_the_exact_detectable_difference_is_near_the_approximate_one():
    exact = ap.exact_detectable_difference(600, 600, 0.3).iloc[0]
    h = NormalIndPower().solve_power(effect_size=None, nobs1=600, ratio=1.0, alpha=0.05,
                                     power=0.8)
    approximate = math.sin(math.asin(math.sqrt(0.3)) + h / 2) ** 2 - 0.3
    assert exact["method"] == "exact" and 0 < exact["difference"] - approximate < 0.003


@pytest.mark.parametrize("case", [(22, 23, 22 / 60), (8, 30, 0.19), (12, 5, 0.0)])
def test_the_exact_detectable_difference_is_the_first_rate_with_80_percent_power(case):
    """Checked with the tables scipy's fisher_exact rejects, enumerated here: the rate found
    has 80% power, and no rate on a fine grid below it has."""
    n, m, base = case
    row = ap.exact_detectable_difference(n, m, base).iloc[0]
    rejected = [(x, y) for x in range(n + 1) for y in range(m + 1)
                if stats.fisher_exact([[x, n - x], [y, m - y]]).pvalue < 0.05]
    xs, ys = np.array(rejected).T

    def power(rate):
        return float((stats.binom.pmf(xs, n, rate) * stats.binom.pmf(ys, m, base)).sum())

    assert power(row["rate"]) >= 0.8 - 1e-9
    assert row["attained_power"] == pytest.approx(power(row["rate"]), abs=1e-9)
    below = np.arange(base, row["rate"] - 1e-6, 0.0005)
    assert max(power(r) for r in below) < 0.8
    assert row["difference"] == pytest.approx(row["rate"] - base)


def test_groups_too_small_or_too_large_for_the_exact_search_say_so():
    tiny = ap.exact_detectable_difference(1, 1, 0.3).iloc[0]
    assert np.isnan(tiny["rate"]) and "too small" in tiny["note"]
    assert tiny["attained_power"] == 0  # 1 of 1 against 0 of 1 gives p = 1
    large = ap.exact_detectable_difference(1500, 1500, 0.3).iloc[0]
    assert np.isnan(large["rate"]) and "not enumerated" in large["note"]


def test_on_the_bundled_cohort_the_groups_detect_only_about_40_points(found):
    detectable = found["detectable_difference"]
    assert detectable["n"] == {"generalized": 22, "focal": 23}
    assert detectable["base_rate"] == pytest.approx(22 / 60)
    # the pooled-variance test has about the same power at that difference
    power = power_proportions_2indep(detectable["difference"], 22 / 60, 23, ratio=22 / 23,
                                     alpha=0.05).power
    assert power == pytest.approx(0.8, abs=0.03)
    assert round(100 * detectable["difference"]) == 40
    # exactly, with Fisher's exact test: a little more, 42 points, at 80% power by a Monte Carlo
    # of scipy's fisher_exact
    assert round(100 * detectable["difference_exact"]) == 42
    share, se = monte_carlo_fisher_power(22, 23, detectable["rate_exact"], 22 / 60, draws=4000,
                                         seed=60)
    assert abs(share - 0.8) < 4 * se
    assert detectable["attained_power_exact"] == pytest.approx(0.8, abs=1e-6)
    assert found["methods"]["detectable_difference_exact"] == "exact"
    words = narrative_appraisal.appraisal_story(found)
    assert ("would detect (80% power, Fisher's exact test, power worked out exactly) only a "
            "true difference of about 42 points") in words


# --- trial sizes ---------------------------------------------------------------------------------

def test_the_published_check_still_holds(found):
    """FACTS.md section 5: 37% vs 19% needs about 97 per arm (80%), 129-132 (90%); 60 per arm
    has about 59% power."""
    assert found["rct_n_per_arm_80"] == 97
    assert 129 <= found["rct_n_per_arm_90"] <= 132
    assert found["rct_power_60_per_arm"] == pytest.approx(0.59, abs=0.01)


def test_a_trial_as_large_as_the_study_has_30_per_arm_and_34_percent_power(found):
    assert found["rct_study_n_per_arm"] == 30  # 60 children in all (FACTS.md section 1)
    assert found["rct_power_30_per_arm"] == pytest.approx(pooled_power(0.37, 0.19, 30))
    # statsmodels counts the far tail as well: a little more, never more than alpha / 2
    both_tails = power_proportions_2indep(0.18, 0.19, 30, alpha=0.05).power
    assert 0 <= both_tails - found["rct_power_30_per_arm"] < 0.001
    assert round(100 * found["rct_power_30_per_arm"]) == 34
    assert "a trial the size of the study (two arms of 30) would have 34% power" in \
        narrative_appraisal.appraisal_story(found)


def test_the_sceptical_sizes_match_statsmodels_over_the_placebo_rates(found):
    table = ap.sceptical_trial_sizes()
    # FACTS.md: 19% (Rheims), 19.7% (Zaccara), 21.1% (Romero), 5/18 (the trial, reconstructed)
    assert table["p_control"].tolist() == pytest.approx([0.19, 0.197, 0.211, 5 / 18])
    assert table["known"].tolist() == ["published"] * 3 + ["reconstructed"]
    for _, row in table.iterrows():
        assert row["p_treatment"] == pytest.approx((22 / 60 + row["p_control"]) / 2)
        for power, column in ((0.8, "n_per_arm_80"), (0.9, "n_per_arm_90")):
            n = samplesize_proportions_2indep_onetail(row["difference"], row["p_control"],
                                                      power, alpha=0.05,
                                                      alternative="two-sided")
            assert row[column] == math.ceil(n - 1e-9)
        assert row["power_study_size"] == pytest.approx(
            pooled_power(row["p_treatment"], row["p_control"], 30))
        both_tails = power_proportions_2indep(row["difference"], row["p_control"], 30,
                                              alpha=0.05).power
        assert 0 <= both_tails - row["power_study_size"] < 0.025
    assert found["sceptical_trial"][0]["n_per_arm_80"] == table["n_per_arm_80"].iloc[0]
    assert found["sceptical_trial_shrinkage"] == 0.5


def test_no_trial_size_when_the_shrunk_rate_is_not_above_placebo():
    row = ap.sceptical_trial_sizes(observed=(3, 60)).iloc[0]  # 5% observed, below 19%
    assert row["n_per_arm_80"] is None and "not above" in row["note"]


# --- disclosure control --------------------------------------------------------------------------

def test_with_disclosure_control_the_difference_comes_from_the_rounded_counts():
    """focal 7 of 22 and generalized 9 of 20: a reader sees 5 of 20 and 10 of 20."""
    from ivig_helpers.appraisal import _type_difference

    events = {"focal": 7, "generalized": 9, "both": 1}
    sizes = {"focal": 22, "generalized": 20, "both": 3}
    shown = _type_difference(events, sizes, 15, 45, 0.05, 5)
    expected = confint_proportions_2indep(10, 20, 5, 20, method="newcomb", compare="diff")
    assert shown["type_difference"]["risk_difference_ci"] == pytest.approx(list(expected))
    exact = _type_difference(events, sizes, 17, 45, 0.05, 0)
    assert exact["type_difference"]["risk_difference"] != pytest.approx(0.25)
    assert shown["detectable_difference"]["n"] == {"generalized": 20, "focal": 20}


@pytest.mark.parametrize("mix", [{"focal": 20, "generalized": 3, "both": 17},
                                 {"focal": 2, "generalized": 20, "both": 18}])
def test_a_hidden_count_of_either_type_withholds_the_difference(mix):
    table = make_cohort(40, mix=mix, seed=5)
    found = ap.appraisal_results(table, min_cell_count=5, n_permutations=99, n_cohorts=100)
    difference = found["type_difference"]
    assert difference["odds_ratio"] == difference["risk_difference"] == SUPPRESSED
    assert difference["odds_ratio_ci"] == difference["risk_difference_ci"] == [SUPPRESSED] * 2
    assert found["detectable_difference"]["difference"] == SUPPRESSED
    view = ap.difference_view(found)
    assert (view["estimate"] == "not shown (disclosure control)").all()
    words = narrative_appraisal.appraisal_story(found)
    assert "is withheld: a count it rests on is hidden" in words
    row = exercises.smallest_difference(found)
    assert exercises.answer_words(4, row).startswith("**Answer.** Not shown")


def test_the_release_withholds_what_its_results_withhold(tmp_path):
    """The release computes the difference from the counts results.json shows: where it hides
    a type's responders (a hidden count, or one that subtraction would give back), the
    difference is withheld too; where it shows them, the interval is of those counts."""
    from ivig_helpers import write_cohort

    for seed, mcc in ((5, 5), (11, 10)):
        table = make_cohort(60, seed=seed)
        cohort = load_cohort(write_cohort(table, tmp_path / f"c{seed}.csv"))
        release = build_release(cohort, min_cell_count=mcc)
        by_type = release.results["responder_rate_by_type"]
        difference = release.appraisal["type_difference"]
        counts = [by_type[k][key] for k in ("generalized", "focal")
                  for key in ("responders", "n")]
        if all(isinstance(c, int) for c in counts):
            expected = confint_proportions_2indep(*counts, method="newcomb", compare="diff")
            assert difference["risk_difference_ci"] == pytest.approx(list(expected))
        else:
            assert difference["risk_difference"] == SUPPRESSED
        exercise = release.table("exercise_4").iloc[0]
        assert exercise["detectable_difference"] == release.appraisal[
            "detectable_difference"]["difference"]


def test_the_words_of_the_difference_follow_its_interval():
    base = {"alpha": 0.05, "interaction_p": 0.3,
            "type_difference": {"group": "generalized", "reference": "focal", "estimable": True,
                                "risk_difference": 0.24, "risk_difference_ci": [-0.04, 0.47]},
            "detectable_difference": {"group": "generalized", "reference": "focal",
                                      "n": {"generalized": 22, "focal": 23},
                                      "base_rate": 0.37, "rate": 0.77, "difference": 0.40}}
    text = narrative_appraisal.appraisal_story(base)
    assert "is +24 percentage points (95% CI -4 to +47, Newcombe)" in text
    assert "holds no difference, but also differences as large as 47 points" in text
    assert "(80% power, by a normal approximation) only a true difference of about 40 points" \
        in text
    exact = {**base, "detectable_difference": {**base["detectable_difference"],
                                               "difference_exact": 0.42, "rate_exact": 0.79,
                                               "attained_power_exact": 0.8}}
    assert ("(80% power, Fisher's exact test, power worked out exactly) only a true difference "
            "of about 42 points") in narrative_appraisal.appraisal_story(exact)
    large = {**base, "detectable_difference": {
        **base["detectable_difference"], "difference_exact": None, "rate_exact": None,
        "attained_power_exact": None, "note_exact": "3,000 children, above 2,000: not "
                                                    "enumerated"}}
    assert "by a normal approximation, accurate for groups this large" in \
        narrative_appraisal.appraisal_story(large)
    none = {**base, "detectable_difference": {**base["detectable_difference"],
                                              "difference_exact": None, "rate_exact": None,
                                              "attained_power_exact": 0.3}}
    assert "too small to detect (with 80% power, Fisher's exact test" in \
        narrative_appraisal.appraisal_story(none)
    apart = {**base, "type_difference": {**base["type_difference"],
                                         "risk_difference_ci": [0.02, 0.47]}}
    assert "leaves out no difference" in narrative_appraisal.appraisal_story(apart)
    small = {**base, "detectable_difference": {**base["detectable_difference"],
                                               "n": {"generalized": 1, "focal": 1},
                                               "rate": None, "difference": None}}
    assert "too small to detect" in narrative_appraisal.appraisal_story(small)


@pytest.mark.parametrize("kwargs", [{"n": 1, "mix": {"focal": 1}},
                                    {"n": 3, "mix": {"focal": 1, "generalized": 1, "both": 1}},
                                    {"n": 20, "mix": {"focal": 12, "both": 8}},
                                    {"n": 30, "responder_rates": {"focal": 0.0,
                                                                  "generalized": 0.0,
                                                                  "both": 0.0}}])
@pytest.mark.parametrize("mcc", [0, 5, 10])
def test_unusual_cohorts_give_json_and_true_words(kwargs, mcc):
    table = make_cohort(seed=3, **kwargs)
    found = ap.appraisal_results(table, min_cell_count=mcc, n_permutations=99, n_cohorts=100)
    json.dumps(found, allow_nan=False)
    text = narrative_appraisal.appraisal_story(found)
    ap.difference_view(found)
    answer = exercises.answer_words(4, exercises.smallest_difference(found))
    sizes = found["detectable_difference"]["n"]
    if mcc == 0 and 0 in sizes.values():
        assert "cannot be compared" in answer
        assert "The difference itself" not in text

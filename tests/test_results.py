"""The results file and the scorecard, against the published numbers and hand-made cases."""

import json
import math

import pandas as pd
import pytest

from ivig_helpers import compute_results, load_cohort, make_cohort, scorecard, write_results

from .conftest import BUNDLED, TARGETS


@pytest.fixture(scope="module")
def results():
    return compute_results(load_cohort(BUNDLED).table)


def test_headline_results_match_published_numbers(results):
    published = pd.read_csv(TARGETS).set_index("quantity")["published"]
    assert results["n_patients"] == published["n_patients"]
    assert results["responders"] == published["responders"]
    assert round(100 * results["responder_rate"], 1) == published["responder_percent"]
    assert results["seizure_free"] == published["seizure_free"]
    assert round(results["subgroup_wilcoxon_p"]["generalized"], 3) == \
        published["generalized_wilcoxon_p"]
    assert [round(100 * x, 1) for x in results["responder_rate_ci"]] == [24.6, 50.1]


def test_scorecard_matches_every_published_number_on_the_bundled_cohort(results):
    card = scorecard(results)
    assert len(card) == len(pd.read_csv(TARGETS))
    assert card["match"].all(), card.loc[~card["match"], ["quantity", "reproduced"]]


def test_scorecard_judges_precision_and_thresholds():
    published = pd.DataFrame({
        "quantity": ["responders", "age_mean", "focal_wilcoxon_p"],
        "description": ["", "", ""], "published": [22.0, 11.8, 0.05],
        "decimals": [0, 1, 2], "rule": ["equal", "equal", "at_least"], "source": ["", "", ""]})
    results = {"n_patients": 60, "age_min": 2, "age_max": 18, "age_mean": 11.86, "age_sd": 4,
               "responders": 21, "responder_rate": 0.35, "seizure_free": 8,
               "seizure_free_share_of_responders": 0.38, "asm_wilcoxon_p": None,
               "asm_fisher_p": None, "seizure_type_counts": {"focal": 60},
               "subgroup_wilcoxon_p": {"focal": 0.049}}
    card = scorecard(results, published).set_index("quantity")
    assert not card.loc["responders", "match"] and card.loc["responders", "difference"] == -1
    assert not card.loc["age_mean", "match"]  # 11.86 rounds to 11.9
    assert not card.loc["focal_wilcoxon_p", "match"]  # 0.049 < 0.05


def test_unusual_cohort_gives_nones_not_crashes():
    table = make_cohort(12, mix={"focal": 11, "generalized": 1}, include_month3=False, seed=3)
    table = table.drop(columns=["age_years", "asm_count_baseline", "asm_count_month12"])
    results = compute_results(table)
    assert results["subgroup_wilcoxon_p"]["generalized"] is None
    assert results["subgroup_wilcoxon_p"]["both"] is None
    assert results["age_mean"] is None and results["asm_fisher_p"] is None
    json.dumps(results)  # JSON-ready


def test_write_results(tmp_path, results):
    write_results(results, scorecard(results), tmp_path)
    assert json.loads((tmp_path / "results.json").read_text())["responders"] == 22
    card = pd.read_csv(tmp_path / "scorecard.csv")
    assert card.columns.tolist() == ["quantity", "description", "published", "reproduced",
                                     "match", "ci_low", "ci_high", "published_inside_ci",
                                     "source"]
    assert card.loc[0, "description"] == "Patients in the analysis"  # the row in words


def test_difference_between_types_matches_an_exact_enumeration(results):
    """Fisher-Freeman-Halton exact p for responders by seizure type, enumerated by hand over
    every table with the same margins: the package's enumeration must give the same number."""
    from math import comb

    cohort = pd.read_csv(BUNDLED)
    responder = cohort["month12_seizures_per_month"] <= 0.5 * cohort["baseline_seizures_per_month"]
    by_type = responder.groupby(cohort["seizure_type"]).agg(["size", "sum"])
    sizes, observed = tuple(by_type["size"]), tuple(by_type["sum"])
    total, n = sum(observed), sum(sizes)

    def probability(counts):
        return math.prod(comb(m, k) for m, k in zip(sizes, counts, strict=True)) / comb(n, total)

    tables = [(a, b, total - a - b) for a in range(sizes[0] + 1) for b in range(sizes[1] + 1)
              if 0 <= total - a - b <= sizes[2]]
    p_observed = probability(observed)
    exact = sum(probability(t) for t in tables if probability(t) <= p_observed * (1 + 1e-7))
    assert results["seizure_type_vs_responder_p"] == pytest.approx(exact, rel=1e-9)
    method = results["seizure_type_vs_responder_method"]
    assert method.startswith("Fisher-Freeman-Halton exact test")


def test_scorecard_sets_published_percentages_against_this_cohorts_interval(results):
    """On a cohort unlike the published one, whether the published value falls inside this
    cohort's exact interval (checked against statsmodels' Clopper-Pearson interval)."""
    from statsmodels.stats.proportion import proportion_confint

    other = compute_results(make_cohort(40, mix={"focal": 30, "generalized": 5, "both": 5},
                                        seed=2))
    card = scorecard(other).set_index("quantity")
    focal = other["seizure_type_counts"]["focal"]
    low, high = proportion_confint(focal, 40, method="beta")
    assert card.loc["focal_percent", "ci_low"] == pytest.approx(100 * low)
    assert card.loc["focal_percent", "ci_high"] == pytest.approx(100 * high)
    assert card.loc["focal_percent", "published_inside_ci"] is (100 * low <= 38.3 <= 100 * high)
    assert card.loc["n_patients", "published_inside_ci"] is None  # a count has no interval


def test_the_scorecard_sets_the_studys_patients_in_the_analysis_against_those_analysed():
    # with missing follow-up excluded, 5 of 50 children are not analysed: the study's "60
    # patients in the analysis" is set against the 45, not against the rows of the file
    from ivig_helpers import add_outcomes
    from ivig_helpers.results import reproduced_values

    table = make_cohort(50, missing_followup_share=0.1, seed=4)
    found = compute_results(table, missing_followup="exclude")
    analysed = len(add_outcomes(table, missing_followup="exclude"))
    assert found["n_patients"] == 50 and analysed == 45
    assert reproduced_values(found)["n_patients"] == 45

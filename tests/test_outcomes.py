"""Outcomes and intervals against hand-worked cases, statsmodels and published numbers."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from ivig_helpers import (
    add_outcomes,
    frequency_score,
    load_cohort,
    median_change_interval,
    proportion_ci,
    rate_table,
    threshold_sweep,
)

from .conftest import BUNDLED


def small_table():
    # baseline, one year: -50% exactly, -75%, seizure free, +20%, no follow-up, -49%
    return pd.DataFrame({
        "patient_id": list("abcdef"),
        "seizure_type": pd.Categorical(["focal"] * 3 + ["generalized"] * 3,
                                       categories=["focal", "generalized", "both"]),
        "baseline_seizures_per_month": [3.0, 8.0, 2.0, 10.0, 5.0, 100.0],
        "month12_seizures_per_month": [1.5, 2.0, 0.0, 12.0, np.nan, 51.0],
    })


def test_percent_change_responder_and_seizure_free_by_hand():
    out = add_outcomes(small_table())
    assert out["percent_change"].round(6).tolist()[:4] == [-50.0, -75.0, -100.0, 20.0]
    assert out["responder"].tolist() == [True, True, True, False, False, False]
    assert out["seizure_free"].tolist() == [False, False, True, False, False, False]


def test_missing_followup_counts_as_nonresponder_or_is_excluded():
    assert len(add_outcomes(small_table(), missing_followup="nonresponder")) == 6
    excluded = add_outcomes(small_table(), missing_followup="exclude")
    assert len(excluded) == 5 and excluded["has_followup"].all()


def test_threshold_changes_the_definition():
    out = add_outcomes(small_table(), responder_threshold=0.75)
    assert out["responder"].tolist() == [False, True, True, False, False, False]
    sweep = threshold_sweep(small_table())
    # 25% (the -49% patient counts), 50%, 75%, 100% (= seizure free)
    assert sweep["events"].tolist() == [4, 3, 2, 1]


def test_input_table_is_not_modified():
    table = small_table()
    add_outcomes(table)
    pd.testing.assert_frame_equal(table, small_table())


def test_bad_parameters_are_refused_in_words():
    with pytest.raises(ValueError, match="responder_threshold"):
        add_outcomes(small_table(), responder_threshold=50)
    with pytest.raises(ValueError, match="missing_followup"):
        add_outcomes(small_table(), missing_followup="drop")


def test_score_boundaries():
    freqs = [0, 0.01, 0.99, 1, 3.99, 4, 27.99, 28, 83.99, 84, 1000, np.nan]
    expected = [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, np.nan]
    np.testing.assert_array_equal(frequency_score(freqs), expected)


def test_intervals_of_22_of_60_match_the_published_derivation_and_statsmodels():
    exact, wilson = proportion_ci(22, 60, "exact"), proportion_ci(22, 60, "wilson")
    assert [round(100 * x, 1) for x in exact] == [24.6, 50.1]  # FACTS.md, section 1
    assert [round(100 * x, 1) for x in wilson] == [25.6, 49.3]
    np.testing.assert_allclose(exact, proportion_confint(22, 60, method="beta"), rtol=1e-9)
    np.testing.assert_allclose(wilson, proportion_confint(22, 60, method="wilson"), rtol=1e-9)


@pytest.mark.parametrize("events, n", [(0, 10), (10, 10), (3, 7), (1, 1)])
def test_intervals_at_the_edges_match_statsmodels(events, n):
    np.testing.assert_allclose(proportion_ci(events, n, "exact"),
                               proportion_confint(events, n, method="beta"), atol=1e-9)
    np.testing.assert_allclose(proportion_ci(events, n, "wilson"),
                               proportion_confint(events, n, method="wilson"), atol=1e-9)


def test_rate_table_by_type_keeps_empty_groups():
    table = rate_table(add_outcomes(small_table()), by="seizure_type")
    assert table["group"].tolist() == ["focal", "generalized", "both"]
    assert table["events"].tolist() == [3, 0, 0]
    assert table["n"].tolist() == [3, 3, 0] and np.isnan(table["rate"].iloc[2])


def test_bootstrap_median_interval_agrees_with_a_plain_numpy_bootstrap():
    values = np.random.default_rng(4).normal(-20, 30, 60)
    row = median_change_interval(pd.DataFrame({"percent_change": values}), seed=1).iloc[0]
    assert row["median"] == pytest.approx(np.median(values))
    rng = np.random.default_rng(99)
    medians = np.median(values[rng.integers(0, len(values), (20000, len(values)))], axis=1)
    low, high = np.percentile(medians, [2.5, 97.5])
    assert row["ci_low"] == pytest.approx(low, abs=1.5)
    assert row["ci_high"] == pytest.approx(high, abs=1.5)


def test_bootstrap_is_seeded():
    patients = add_outcomes(load_cohort(BUNDLED).table)
    pd.testing.assert_frame_equal(median_change_interval(patients, seed=5),
                                  median_change_interval(patients, seed=5))


@pytest.mark.parametrize("handling", ["nonresponder", "exclude"])
def test_missing_follow_up_is_handled_the_same_way_in_every_analysis(handling):
    """Counted as non-responders, children without follow-up count as "no change" in the median
    and the paired tests too; excluded, they are out of every analysis. Checked with numpy."""
    import numpy as np

    from ivig_helpers import compute_results, make_cohort

    table = make_cohort(40, missing_followup_share=0.2, seed=4)
    missing = table["month12_seizures_per_month"].isna()
    results = compute_results(table, missing_followup=handling)
    change = 100 * (table["month12_seizures_per_month"] - table["baseline_seizures_per_month"]) \
        / table["baseline_seizures_per_month"]
    expected = change.fillna(0.0) if handling == "nonresponder" else change.dropna()
    assert results["n_analysed"] == len(expected)
    assert results["median_percent_change_n"] == len(expected)
    assert results["median_percent_change"] == pytest.approx(float(np.median(expected)))
    pairs = sum(p["n"] for p in results["subgroup_wilcoxon_pairs"].values())
    assert pairs == len(expected) == (40 if handling == "nonresponder" else 40 - missing.sum())

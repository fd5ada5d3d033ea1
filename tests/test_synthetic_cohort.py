"""The bundled cohort meets every published target, recomputed here without ivig_helpers.

Each number is computed from the CSV with pandas and SciPy alone, and compared with the
published value read from data/published_targets.csv at its published precision.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ivig_helpers import make_cohort, make_published_cohort, write_cohort

from .conftest import BUNDLED, TARGETS


@pytest.fixture(scope="module")
def cohort():
    return pd.read_csv(BUNDLED)


@pytest.fixture(scope="module")
def published():
    targets = pd.read_csv(TARGETS).set_index("quantity")
    return targets["published"].to_dict(), targets["decimals"].to_dict()


def score(freq):
    """The project's 0-5 score, written out case by case (independent of the package's)."""
    freq = np.asarray(freq, dtype=float)
    return np.select([freq == 0, freq < 1, freq < 4, freq < 28, freq < 84], [0, 1, 2, 3, 4], 5)


def spss_wilcoxon_p(before, after):
    return stats.wilcoxon(before, after, zero_method="wilcox", correction=False,
                          method="approx").pvalue


def matches(value, quantity, published):
    values, decimals = published
    return round(float(value), int(decimals[quantity])) == pytest.approx(values[quantity])


def test_size_and_seizure_type_mix(cohort, published):
    assert matches(len(cohort), "n_patients", published)
    counts = cohort["seizure_type"].value_counts()
    for kind in ("focal", "generalized", "both"):
        assert matches(counts[kind], f"{kind}_n", published)
        assert matches(100 * counts[kind] / len(cohort), f"{kind}_percent", published)


def test_ages(cohort, published):
    ages = cohort["age_years"]
    assert matches(ages.min(), "age_min", published) and matches(ages.max(), "age_max", published)
    assert matches(ages.mean(), "age_mean", published)
    assert matches(ages.std(ddof=1), "age_sd", published)


def test_responders_and_seizure_freedom(cohort, published):
    baseline, month12 = cohort["baseline_seizures_per_month"], cohort["month12_seizures_per_month"]
    responder = month12 <= 0.5 * baseline
    seizure_free = month12 == 0
    assert matches(responder.sum(), "responders", published)
    assert matches(100 * responder.mean(), "responder_percent", published)
    assert matches(seizure_free.sum(), "seizure_free", published)
    assert (seizure_free <= responder).all()
    assert matches(100 * seizure_free.sum() / responder.sum(),
                   "seizure_free_percent_of_responders", published)


def test_within_type_wilcoxon_on_scores(cohort, published):
    p = {kind: spss_wilcoxon_p(score(part["baseline_seizures_per_month"]),
                               score(part["month12_seizures_per_month"]))
         for kind, part in cohort.groupby("seizure_type")}
    assert matches(p["generalized"], "generalized_wilcoxon_p", published)
    values, _ = published
    assert p["focal"] >= values["focal_wilcoxon_p"]
    assert p["both"] >= values["both_wilcoxon_p"]


def test_medication_changes_do_not_explain_the_result(cohort, published):
    values, _ = published
    before, after = cohort["asm_count_baseline"], cohort["asm_count_month12"]
    assert 3.5 <= before.mean() <= 5.0 and 1.5 <= before.std() <= 3.0  # near 4.2 +- 2.2
    assert spss_wilcoxon_p(before, after) >= values["asm_wilcoxon_p"]
    responder = cohort["month12_seizures_per_month"] <= 0.5 * cohort["baseline_seizures_per_month"]
    table = pd.crosstab(responder, before != after)
    assert stats.fisher_exact(table.to_numpy()).pvalue >= values["asm_fisher_p"]


def test_other_columns_are_filled_plausibly(cohort):
    assert cohort.notna().all().all()
    assert set(cohort["sex"]) == {"F", "M"}
    assert (cohort["month3_seizures_per_month"] >= 0).all()
    assert cohort["patient_id"].str.startswith("SYN-").all()  # says synthetic in every id


def test_generator_reproduces_the_bundled_file_byte_for_byte(tmp_path):
    path = write_cohort(make_published_cohort(), tmp_path / "again.csv")
    assert path.read_bytes() == BUNDLED.read_bytes()


def test_generator_makes_any_size_and_mix_deterministically():
    first = make_cohort(500, mix={"focal": 1, "both": 1}, missing_followup_share=0.1, seed=7)
    again = make_cohort(500, mix={"focal": 1, "both": 1}, missing_followup_share=0.1, seed=7)
    pd.testing.assert_frame_equal(first, again)
    assert first["seizure_type"].value_counts().to_dict() == {"focal": 250, "both": 250}
    assert 20 <= first["month12_seizures_per_month"].isna().sum() <= 80
    assert first["patient_id"].is_unique

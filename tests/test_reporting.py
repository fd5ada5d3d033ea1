"""Table 1 and small-count suppression, against counts taken directly with pandas."""

import pandas as pd

from ivig_helpers import load_cohort, make_cohort, table_one

from .conftest import BUNDLED


def test_table_one_counts_and_medians_match_pandas():
    table = load_cohort(BUNDLED).table
    shown = table_one(table)
    females = int((table["sex"] == "F").sum())
    assert shown.loc[("Sex, n (%)", "F"), "Overall"] == f"{females} ({100 * females / 60:.1f})"
    assert shown.loc[("n", ""), "Generalized"] == 22
    focal = table.loc[table["seizure_type"] == "focal", "baseline_seizures_per_month"]
    cell = shown.loc[("Seizures per 28 days, before IVIG, median [Q1,Q3]", ""), "Focal"]
    assert cell.startswith(f"{focal.median():.1f} [")


def test_table_one_hides_a_group_smaller_than_the_minimum():
    table = make_cohort(40, mix={"focal": 25, "generalized": 2, "both": 13}, seed=4)
    table["seizure_type"] = pd.Categorical(table["seizure_type"],
                                           categories=["focal", "generalized", "both"])
    shown = table_one(table, min_cell_count=5)
    generalized = shown["Generalized"]
    assert generalized.iloc[0] == "<5"
    assert set(generalized.iloc[1:]) == {"suppressed"}  # no age or frequency of two children
    assert shown.loc[("n", ""), "Focal"] == "25"  # a multiple of 5 stays as it is
    assert shown.loc[("n", ""), "Both"] == "15"  # 13 children, rounded to the nearest 5

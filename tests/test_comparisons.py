"""Paired and association tests against hand-worked formulas and a second library."""

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats

from ivig_helpers import fisher_exact, friedman, paired_wilcoxon


def wilcoxon_by_hand(before, after):
    """Signed-rank normal approximation, zeros dropped, tie-corrected variance, no continuity."""
    d = np.asarray(after, float) - np.asarray(before, float)
    d = d[d != 0]
    n = len(d)
    ranks = stats.rankdata(np.abs(d))
    w_plus = ranks[d > 0].sum()
    mean = n * (n + 1) / 4
    _, tie_counts = np.unique(np.abs(d), return_counts=True)
    var = n * (n + 1) * (2 * n + 1) / 24 - (tie_counts ** 3 - tie_counts).sum() / 48
    z = (w_plus - mean) / np.sqrt(var)
    return 2 * stats.norm.sf(abs(z))


def test_wilcoxon_matches_the_formula_with_ties():
    before = [5, 5, 4, 4, 3, 5, 2, 4, 3, 5, 4, 3]
    after = [3, 4, 4, 2, 3, 4, 2, 3, 1, 5, 2, 4]
    data = pd.DataFrame({"b": before, "a": after})
    row = paired_wilcoxon(data, "b", "a").iloc[0]
    assert row["n"] == 12 and row["n_changed"] == 8
    assert row["p_value"] == pytest.approx(wilcoxon_by_hand(before, after), rel=1e-10)


def test_wilcoxon_by_group_marks_untestable_groups():
    data = pd.DataFrame({
        "g": pd.Categorical(["x", "x", "x", "y", "z", "z"], categories=["x", "y", "z", "w"]),
        "b": [3, 4, 5, 3, 2, 2], "a": [1, 2, 2, 1, 2, 2]})
    result = paired_wilcoxon(data, "b", "a", by="g").set_index("group")
    assert result.loc["x", "testable"]
    for group, words in [("y", "fewer than 2"), ("z", "no patient changed"), ("w", "fewer than 2")]:
        assert not result.loc[group, "testable"] and words in result.loc[group, "note"]
        assert np.isnan(result.loc[group, "p_value"])


def test_friedman_matches_pingouin():
    rng = np.random.default_rng(3)
    data = pd.DataFrame(rng.integers(0, 6, size=(15, 3)), columns=["t0", "t3", "t12"])
    ours = friedman(data, ["t0", "t3", "t12"]).iloc[0]
    long = data.reset_index().melt(id_vars="index", var_name="time", value_name="score")
    theirs = pingouin.friedman(long, dv="score", within="time", subject="index")
    assert ours["statistic"] == pytest.approx(theirs["Q"].iloc[0], rel=1e-9)
    assert ours["p_value"] == pytest.approx(theirs["p_unc"].iloc[0], rel=1e-9)


def test_fisher_2x2_matches_the_hypergeometric_sum():
    # responders 7 of 10 with a change, 5 of 20 without
    data = pd.DataFrame({"resp": [True] * 7 + [False] * 3 + [True] * 5 + [False] * 15,
                         "chg": ["yes"] * 10 + ["no"] * 20})
    row = fisher_exact(data, "resp", "chg").iloc[0]
    dist = stats.hypergeom(30, 12, 10)  # 30 children, 12 responders, 10 with a change
    probs = dist.pmf(np.arange(0, 11))
    expected = probs[probs <= dist.pmf(7) * (1 + 1e-7)].sum()
    assert row["p_value"] == pytest.approx(expected, rel=1e-9)


def test_fisher_three_by_two_is_exact_and_agrees_with_scipy_monte_carlo():
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"type": rng.choice(["a", "b", "c"], 60),
                         "resp": rng.choice([True, False], 60)})
    row = fisher_exact(data, "type", "resp").iloc[0]
    assert row["method"] == "exact" and "enumerated" in row["note"]
    table = pd.crosstab(data["type"], data["resp"]).to_numpy()
    simulated = stats.fisher_exact(table, method=stats.MonteCarloMethod(
        n_resamples=200_000, rng=np.random.default_rng(1))).pvalue
    assert row["p_value"] == pytest.approx(float(np.ravel(simulated)[0]), abs=0.005)


def test_fisher_on_a_registry_sized_table_is_asymptotic_chi_square():
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"type": rng.choice(["a", "b", "c"], 30_000),
                         "resp": rng.choice([True, False], 30_000)})
    row = fisher_exact(data, "type", "resp").iloc[0]
    expected = stats.chi2_contingency(pd.crosstab(data["type"], data["resp"]), correction=False)
    assert row["method"] == "asymptotic"
    assert row["p_value"] == pytest.approx(expected.pvalue, rel=1e-12)


def test_fisher_three_by_three_is_seeded_monte_carlo():
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"type": rng.choice(["a", "b", "c"], 60),
                         "etiology": rng.choice(["x", "y", "z"], 60)})
    first = fisher_exact(data, "type", "etiology", seed=11).iloc[0]
    again = fisher_exact(data, "type", "etiology", seed=11).iloc[0]
    assert first["p_value"] == again["p_value"] and first["method"] == "Monte Carlo"


def test_fisher_with_one_level_is_not_testable():
    data = pd.DataFrame({"resp": [True, False, True], "chg": ["no", "no", "no"]})
    row = fisher_exact(data, "resp", "chg").iloc[0]
    assert not row["testable"] and "single value" in row["note"]


def test_fisher_on_a_tiny_larger_table_gives_a_number():
    data = pd.DataFrame({"type": ["a", "b", "b", "c"], "resp": [True, True, False, False]})
    row = fisher_exact(data, "type", "resp").iloc[0]
    assert row["testable"] and isinstance(row["p_value"], float) and 0 < row["p_value"] <= 1


def test_the_table_of_counts_is_pandas_crosstab():
    import numpy as np
    import pandas as pd

    from ivig_helpers.comparisons import _counts

    rng = np.random.default_rng(3)
    kinds = pd.Series(rng.choice(["focal", "generalized", "both", None], 500))
    typed = kinds.astype(pd.CategoricalDtype(["focal", "generalized", "both"]))
    responder = pd.Series(rng.random(500) < 0.3)
    for rows in (kinds, typed):
        expected = pd.crosstab(rows, responder)
        assert _counts(rows, responder).tolist() == expected.to_numpy().tolist()

"""The release rules against independent computations: rounding, and a brute-force attacker."""

import itertools

import pytest

from ivig_helpers.privacy import SUPPRESSED, release_count, release_parts, release_rate

MIN = 5


def test_rounding_rule_against_a_table_written_out_by_hand():
    expected = {0: 0, 1: "<5", 4: "<5", 5: 5, 7: 5, 8: 10, 12: 10, 13: 15, 60: 60, 62: 60, 63: 65}
    assert {n: release_count(n, MIN) for n in expected} == expected
    assert release_count(3, 0) == 3  # control off: exact counts


def test_rates_come_from_the_rounded_counts():
    rate = release_rate(22, 62, MIN)
    assert (rate["events"], rate["n"]) == (20, 60)
    assert rate["rate"] == pytest.approx(20 / 60)
    from scipy.stats import binomtest

    exact = binomtest(20, 60).proportion_ci(method="exact")
    assert (rate["exact_low"], rate["exact_high"]) == pytest.approx((exact.low, exact.high))
    assert release_rate(3, 62, MIN)["rate"] == SUPPRESSED


def possible_values(shown, limit=40):
    """Every true count a shown value allows, by brute force over 0..limit."""
    return [v for v in range(limit + 1)
            if shown == SUPPRESSED or release_count(v, MIN) == shown]


@pytest.mark.parametrize("total_extra", [0, 3])
def test_no_margin_of_three_parts_pins_a_redacted_part(total_extra):
    """For every split of a total into three parts of 0 to 12 (and with a fourth, unseen part
    of 3), enumerate every true table consistent with what is shown: a redacted part must keep
    at least two possible values."""
    for parts in itertools.product(range(13), repeat=3):
        total = sum(parts) + total_extra
        if total_extra:  # a fourth part that no page shows
            shown_total, shown = release_parts(total, list(parts) + [None], MIN)
            shown[3] = SUPPRESSED
        else:
            shown_total, shown = release_parts(total, list(parts), MIN)
        options = [possible_values(s) for s in shown]
        totals = set(possible_values(shown_total, 60))
        for index, part in enumerate(shown):
            if part != f"<{MIN}":
                continue
            consistent = {combo[index] for combo in itertools.product(*options)
                          if sum(combo) in totals}
            assert parts[index] in consistent
            assert len(consistent) > 1, (parts, shown_total, shown)


def test_a_row_with_a_hidden_count_shows_no_zero_and_no_note():
    import pandas as pd

    from ivig_helpers.privacy import release_table

    table = pd.DataFrame({"group": ["a", "b", "c"], "n": [3, 12, 30], "n_changed": [0, 10, 0],
                          "p_value": [None, 0.02, None],
                          "note": ["no patient changed", "", "no patient changed"]})
    shown = release_table(table, 5, ["n", "n_changed"], partition=True)
    # "a" has 3 children: that none of them changed would describe each of them
    assert shown.iloc[0].tolist() == ["a", "<5", SUPPRESSED, SUPPRESSED, SUPPRESSED]
    assert shown.iloc[2].tolist()[1:3] == [30, 0] and shown.iloc[2]["note"] == \
        "no patient changed"  # a group shown in full keeps its zero and its note


def test_p_values_keep_one_significant_digit_with_disclosure_control_on():
    from ivig_helpers.privacy import release_p

    written_out = {0.5107: 0.5, 0.0194: 0.02, 0.049: 0.05, 0.96: 1.0, 0.00123: 0.001,
                   0.00099: "<0.001", 3e-40: "<0.001"}
    assert {p: release_p(p, MIN) for p in written_out} == written_out
    assert all(release_p(release_p(p, MIN), MIN) == release_p(p, MIN) for p in written_out)
    assert release_p(0.5107, 0) == 0.5107  # control off: as computed


def hand_rounded(count):
    return 5 * int(count / 5 + 0.5)


def test_a_test_of_counts_is_scipys_test_of_the_rounded_counts():
    from scipy.stats import fisher_exact

    from ivig_helpers.privacy import release_table_test

    for cells in ([[17, 8], [9, 11]], [[23, 7], [36, 38]], [[6, 40], [12, 13]]):
        rounded = [[hand_rounded(c) for c in row] for row in cells]
        p = fisher_exact(rounded).pvalue
        expected = "<0.001" if p < 0.001 else float(f"{p:.1g}")
        assert release_table_test(cells, MIN)["p_value"] == expected, cells
    assert release_table_test([[17, 3], [9, 11]], MIN)["p_value"] == SUPPRESSED


def candidates_left(cells, released_p):
    """The attacker: every 2 x 2 table the shown counts allow (each responder count and each
    row size to within 2 of its rounded value, every cell at least MIN) whose test, released by
    ``released_p``, gives the p-value shown. Returns the values left for each cell."""
    shown_events = [hand_rounded(row[0]) for row in cells]
    shown_sizes = [hand_rounded(sum(row)) for row in cells]
    target = released_p(cells)
    left = [set() for _ in range(4)]
    near = [range(s - 2, s + 3) for s in shown_events + shown_sizes]
    for e1, e2, n1, n2 in itertools.product(*near):
        table = [[e1, n1 - e1], [e2, n2 - e2]]
        if min(e1, e2, n1 - e1, n2 - e2) >= MIN and released_p(table) == target:
            for i, c in enumerate((e1, n1 - e1, e2, n2 - e2)):
                left[i].add(c)
    return left


def test_no_p_value_of_a_test_of_counts_pins_a_cell():
    """Three decimals of Fisher's p of the exact counts pin a cell in some tables (a p of 0.511
    beside 15 shown responders gave back the true 17); the released p, of the rounded counts
    and with one digit, leaves every cell at least two values."""
    from functools import cache

    import numpy as np
    from scipy.stats import fisher_exact

    from ivig_helpers.privacy import release_table_test

    rng = np.random.default_rng(7)
    tables = [rng.integers(MIN, 30, size=(2, 2)).tolist() for _ in range(12)]

    @cache
    def exact_p(cells):
        return fisher_exact(np.reshape(cells, (2, 2))).pvalue

    @cache
    def released_p(rounded_cells):  # the release sees only the rounded cells
        return release_table_test(np.reshape(rounded_cells, (2, 2)), MIN)["p_value"]

    def three_decimals(table):
        return round(exact_p(tuple(np.ravel(table))), 3)

    def released(table):
        return released_p(tuple(hand_rounded(c) for c in np.ravel(table)))

    pinned_before = sum(any(len(v) == 1 for v in candidates_left(t, three_decimals))
                        for t in tables)
    assert pinned_before > 0  # the attack works on the old release: this test can fail
    for table in tables:
        left = candidates_left(table, released)
        assert all(len(values) >= 2 for values in left), (table, left)


def test_a_paired_test_in_which_every_child_moved_one_way_is_withheld():
    """All 10 changed children fell gives p = 0.005 and all 11 gives 0.003 (normal
    approximation, no ties): the p-value would give the count back."""
    import pandas as pd
    from scipy.stats import wilcoxon

    from ivig_helpers import paired_wilcoxon
    from ivig_helpers.privacy import release_p, release_table

    before = [float(v) for v in range(20, 32)]  # 12 children, no ties
    data = pd.DataFrame({"group": ["a"] * 12 + ["b"] * 12,
                         "before": before * 2,
                         "after": [b - 5 - i for i, b in enumerate(before)]  # all fell
                         + [b + (3 if i % 2 else -3) * (i + 1) for i, b in enumerate(before)]})
    tests = paired_wilcoxon(data, "before", "after", by="group")
    shown = release_table(tests, MIN, ["n", "n_changed"], depends_on="counts").set_index("group")
    assert shown.loc["a", "p_value"] == SUPPRESSED
    mixed = data[data["group"] == "b"]
    p = wilcoxon(mixed["before"], mixed["after"], method="approx", correction=False).pvalue
    assert shown.loc["b", "p_value"] == release_p(p, MIN)


def test_age_bands_are_released_with_their_total():
    """A reviewer's case: 13 children aged 5-9, 28 aged 10-14 and 1 aged 15-19. Released one by
    one (15, 30, <5 beside n = 40) they pin the lone 15-year-old: at most 42 children, at least
    13 and 28 in the first two bands."""
    import pandas as pd

    from ivig_helpers.reporting import age_summary

    ages = [6.0] * 13 + [12.0] * 28 + [16.0]
    text = age_summary(pd.DataFrame({"age_years": ages}), MIN)
    shown = dict(part.split(": ") for part in text.split("(years): ")[1].split(", "))
    assert text.startswith("Age (n = 40)")
    assert shown["15-19"] == "<5"
    lowest = {"15": 13, "30": 28}  # what a shown band can hide at least
    others = [lowest.get(v, 0) if v != "suppressed" else 0 for band, v in shown.items()
              if band != "15-19"]
    assert 42 - sum(others) >= 2, shown  # the hidden band keeps at least two values


def test_no_results_number_is_nan_and_no_zero_stands_beside_a_hidden_count():
    import json

    from ivig_helpers import compute_results
    from ivig_helpers.privacy import release_results
    from ivig_helpers.synthetic import make_cohort

    table = make_cohort(33, mix={"focal": 30, "generalized": 3}, seed=4)
    shown = release_results(compute_results(table), MIN)
    json.dumps(shown, allow_nan=False)  # a type with no child has no rate: null, not NaN
    assert shown["responder_rate_by_type"]["both"]["rate"] is None
    for key in ("subgroup_wilcoxon_pairs", "subgroup_wilcoxon_frequency_pairs"):
        for kind, counts in shown[key].items():
            if not all(isinstance(v, int) for v in counts.values()):
                assert 0 not in counts.values(), (key, kind, counts)


def drawn(figure):
    """The bar heights and the texts of a figure's first axes."""
    ax = figure.axes[0]
    return [bar.get_height() for bar in ax.patches], [t.get_text() for t in ax.texts]


def test_the_waterfall_bands_do_not_give_a_band_away_against_the_responder_table():
    """A reviewer's cohort: 8 seizure free, 1 child between -99% and -75%, 13 between -75% and
    -50%. Shown 10, <5 and 15 beside the table's 20 responders at 50% (18 to 22), the three
    bands could only be 8, 1 and 13."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from ivig_helpers import plots

    change = [-100.0] * 8 + [-80.0] + [-60.0] * 13 + [10.0] * 20
    patients = pd.DataFrame({"percent_change": change, "has_followup": True})
    heights, texts = drawn(plots.waterfall(patients, 0.5, MIN))
    plt.close("all")
    assert "<5" in texts and "–" in texts  # the hidden band, and one withheld beside it
    assert sum(1 for h in heights[:3] if h > 0) == 1  # of the three: only one bar drawn


def test_the_medication_bands_do_not_give_a_band_away_against_the_changed_row():
    """Responders: 8 with two or more ASMs fewer, 1 with one more, 8 with two or more added,
    10 unchanged. The table's 15 changed responders (13 to 17) beside bands 10, <5 and 10
    (at least 8 + 1 + 8 = 17) would pin all three."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from ivig_helpers import plots

    change = [-2] * 8 + [1] + [2] * 8 + [0] * 10 + [0] * 30
    data = pd.DataFrame({"asm_change": change, "responder": [True] * 27 + [False] * 30})
    figure = plots.asm_change_plot(data, MIN)
    plt.close("all")
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "<5" in texts and "–" in texts


def test_table_one_levels_of_a_group_do_not_pin_its_hidden_counts():
    """A reviewer's case: a group of 8 with 4 girls and 4 boys showed n = 10, F <5, M <5: two
    counts of at most 4 make at most 8, and a shown 10 means at least 8."""
    from ivig_helpers import make_cohort
    from ivig_helpers.reporting import table_one

    table = make_cohort(40, mix={"focal": 20, "generalized": 8, "both": 12}, seed=2)
    general = table.index[table["seizure_type"] == "generalized"]
    table.loc[general[:4], "sex"] = "F"
    table.loc[general[4:], "sex"] = "M"
    shown = table_one(table, min_cell_count=MIN)
    n = int(shown.iloc[0]["Generalized"])
    sexes = [str(v).split(" (")[0] for v in shown.loc["Sex, n (%)"]["Generalized"]]
    high = sum(4 if v == "<5" else (n + 2 if v == SUPPRESSED else int(v) + 2) for v in sexes)
    assert high >= n - 2 + 1, (n, sexes)  # the levels can add up to more than the least n


def test_a_withheld_test_of_types_keeps_its_methods_name_and_a_shown_one_says_rounded():
    from ivig_helpers import compute_results, make_cohort
    from ivig_helpers.privacy import release_results

    small = release_results(compute_results(make_cohort(
        40, mix={"focal": 20, "generalized": 3, "both": 17}, seed=5)), MIN)
    assert small["seizure_type_vs_responder_p"] == SUPPRESSED
    assert small["seizure_type_vs_responder_method"].startswith("Fisher-Freeman-Halton")
    large = release_results(compute_results(make_cohort(
        90, mix={"focal": 40, "generalized": 30, "both": 20}, seed=5)), MIN)
    assert large["seizure_type_vs_responder_method"].endswith("of the counts rounded to 5")


def test_a_friedman_test_whose_children_all_changed_the_same_way_is_withheld():
    """Six children whose frequency fell at 3 months and again at one year: the Friedman
    statistic is 2n, so p = exp(-n) gives n back (0.0067 for 5, 0.0025 for 6)."""
    import numpy as np
    import pandas as pd
    from scipy.stats import friedmanchisquare

    from ivig_helpers import friedman
    from ivig_helpers.privacy import release_p, release_table

    rng = np.random.default_rng(2)
    steady = np.sort(rng.uniform(1, 30, size=(6, 3)), axis=1)[:, ::-1]  # each falls twice
    mixed = rng.uniform(1, 30, size=(12, 3))
    data = pd.DataFrame(np.vstack([steady, mixed]), columns=["before", "month3", "month12"])
    data["group"] = ["a"] * 6 + ["b"] * 12
    tests = friedman(data, ["before", "month3", "month12"], by="group")
    assert tests.set_index("group").loc["a", "patterns"] == 1
    shown = release_table(tests, MIN, ["n", "n_changed"], depends_on="counts").set_index("group")
    assert shown.loc["a", "p_value"] == SUPPRESSED
    expected = friedmanchisquare(*mixed.T).pvalue
    assert shown.loc["b", "p_value"] == release_p(expected, MIN)


def test_the_medication_table_withholds_a_wilcoxon_test_in_which_every_count_rose():
    """The medication page's table, not only results.json: 12 children whose number of
    medications all rose by one give a p-value that is a function of 12 alone."""
    import pandas as pd
    from scipy.stats import wilcoxon

    from ivig_helpers import asm_checks
    from ivig_helpers.privacy import release_p, release_table

    rose = pd.DataFrame({"asm_count_baseline": [2.0] * 12, "asm_count_month12": [3.0] * 12,
                         "responder": [True] * 6 + [False] * 6})
    shown = release_table(asm_checks(rose), MIN, ["n"], depends_on="counts")
    assert shown["p_value"].iloc[0] == SUPPRESSED
    mixed = rose.assign(asm_count_month12=[3.0] * 6 + [1.0] * 6)
    shown = release_table(asm_checks(mixed), MIN, ["n"], depends_on="counts")
    expected = wilcoxon(mixed["asm_count_baseline"], mixed["asm_count_month12"],
                        method="approx", correction=False).pvalue
    assert shown["p_value"].iloc[0] == release_p(expected, MIN)

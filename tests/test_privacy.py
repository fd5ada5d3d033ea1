"""The release rules against independent computations: rounding by hand, SciPy, and a
brute-force attacker that enumerates every table consistent with what is shown."""

import itertools

import numpy as np
import pandas as pd
import pytest

from ivig_helpers.contract import Cohort
from ivig_helpers.ledger import CountLedger
from ivig_helpers.privacy import SUPPRESSED, release_count
from ivig_helpers.release import build_release
from ivig_helpers.synthetic import make_cohort

MIN = 5


def test_rounding_rule_against_a_table_written_out_by_hand():
    expected = {0: 0, 1: "<5", 4: "<5", 5: 5, 7: 5, 8: 10, 12: 10, 13: 15, 60: 60, 62: 60, 63: 65}
    assert {n: release_count(n, MIN) for n in expected} == expected
    assert release_count(3, 0) == 3  # control off: exact counts
    seven = {6: "<7", 7: 10, 8: 10, 12: 10, 13: 15}  # a shown 5 could only have been 7
    assert {n: release_count(n, 7) for n in seven} == seven


@pytest.mark.parametrize("minimum", range(3, 12))
def test_no_shown_count_stands_for_one_true_count_only(minimum):
    """Brute force over 0..60: every shown value but 0 stands for at least two true counts."""
    stands_for = {}
    for count in range(61):
        stands_for.setdefault(release_count(count, minimum), set()).add(count)
    for shown, counts in stands_for.items():
        assert shown == 0 or len(counts) >= 2, (minimum, shown, counts)


def test_rates_come_from_the_rounded_counts():
    from scipy.stats import binomtest

    from ivig_helpers.release_tables import rate_of

    rate = rate_of(release_count(22, MIN), release_count(62, MIN), 0.95)
    assert (rate["events"], rate["n"]) == (20, 60)
    exact = binomtest(20, 60).proportion_ci(method="exact")
    assert (rate["exact_low"], rate["exact_high"]) == pytest.approx((exact.low, exact.high))
    assert rate_of("<5", 60, 0.95)["rate"] == SUPPRESSED


def possible_values(shown, limit=45):
    """Every true count a shown value allows, by brute force over 0..limit."""
    return [v for v in range(limit + 1)
            if shown == SUPPRESSED or release_count(v, MIN) == shown]


def test_no_margin_of_three_parts_pins_a_redacted_part():
    """For splits of a total into three parts of 0 to 12, enumerate every true table consistent
    with what the ledger shows: a redacted part must keep at least two possible values."""
    rng = np.random.default_rng(3)
    splits = [tuple(int(v) for v in rng.integers(0, 13, 3)) for _ in range(120)]
    splits += [(8, 1, 13), (1, 12, 12), (2, 2, 11), (12, 1, 12)]  # worst cases for rounding
    for parts in splits:
        ledger = CountLedger(MIN)
        ledger.count("total", sum(parts))
        for i, p in enumerate(parts):
            ledger.count(f"part{i}", p)
        ledger.total("total", ["part0", "part1", "part2"])
        shown = ledger.release()
        small_total = shown["total"] == f"<{MIN}"  # then a part shown <5 may be 0
        options = [sorted({*possible_values(shown[f"part{i}"]),
                           *([0] if small_total and shown[f"part{i}"] == f"<{MIN}" else [])})
                   for i in range(3)]
        totals = set(possible_values(shown["total"], 60))
        for index in range(3):
            if shown[f"part{index}"] != f"<{MIN}":
                continue
            consistent = {combo[index] for combo in itertools.product(*options)
                          if sum(combo) in totals}
            assert parts[index] in consistent
            assert len(consistent) > 1, (parts, shown)


def test_the_ledger_withholds_a_shown_part_when_rounding_alone_would_pin_a_hidden_one():
    """22 = 8 + 13 + 1 rounds to 20 = 10 + 15 + <5: the total at most 22, the others at least
    8 and 13, so the hidden part could only be 1. The ledger must withhold something, and after
    it a brute-force reader (written here, apart from the ledger's integer program) finds the
    hidden part with two values or more."""
    parts = {"a": 8, "b": 13, "c": 1}
    rounding_alone = {k: release_count(v, MIN) for k, v in parts.items()}
    total_alone = release_count(22, MIN)
    alone = {combo[2] for combo in itertools.product(
        *(possible_values(rounding_alone[k]) for k in "abc"))
        if sum(combo) in set(possible_values(total_alone, 60))}
    assert alone == {1}  # the case is real: rounding alone pins it
    ledger = CountLedger(MIN)
    ledger.count("all", 22)
    for key, value in parts.items():
        ledger.count(key, value)
    ledger.total("all", ["a", "b", "c"])
    shown = ledger.release()
    assert shown["c"] == "<5" and SUPPRESSED in (shown["a"], shown["b"], shown["all"])
    left = {combo[2] for combo in itertools.product(
        *(possible_values(shown[k]) for k in "abc"))
        if sum(combo) in set(possible_values(shown["all"], 60))}
    assert 1 in left and len(left) >= 2, (shown, left)


def test_p_values_keep_one_significant_digit_with_disclosure_control_on():
    from ivig_helpers.privacy import release_p

    written_out = {0.5107: 0.5, 0.0194: 0.02, 0.049: "<0.05",  # one digit would put it on alpha
                   0.96: 1.0, 0.00123: 0.001,
                   0.00099: "<0.001", 3e-40: "<0.001"}
    assert {p: release_p(p, MIN) for p in written_out} == written_out
    assert all(release_p(release_p(p, MIN), MIN) == release_p(p, MIN) for p in written_out)
    assert release_p(0.5107, 0) == 0.5107  # control off: as computed


def test_a_test_of_counts_with_every_cell_shown_is_scipys_test_of_the_true_counts():
    from scipy.stats import fisher_exact

    from ivig_helpers.privacy import release_count_test

    for cells in ([[17, 8], [9, 11]], [[23, 7], [36, 38]], [[6, 40], [12, 13]]):
        shown = [[release_count(c, MIN) for c in row] for row in cells]
        p = fisher_exact(cells).pvalue
        expected = "<0.001" if p < 0.001 else float(f"{p:.1g}")
        assert release_count_test(cells, shown, MIN)["p_value"] == expected, cells
    tiny = release_count_test([[3, 2], [2, 1]], [["<5"] * 2] * 2, MIN)  # 8 children
    assert tiny["p_value"] == SUPPRESSED


def test_no_p_value_of_a_test_of_counts_pins_a_hidden_cell():
    """The attacker: for 2 x 2 tables with one cell of 1 to 4, every table the shown counts
    allow (each shown cell within its rounding, the hidden one from 1 to 4) whose test, released
    the same way, gives the p-value shown. The hidden cell must keep two values or more."""
    from functools import cache

    from ivig_helpers.privacy import release_count_test

    rng = np.random.default_rng(11)

    @cache
    def released(table):  # as the release shows a table with its first cell hidden
        cells = np.reshape(table, (2, 2))
        shown = [["<5", release_count(cells[0, 1], MIN)],
                 [release_count(c, MIN) for c in cells[1]]]
        return release_count_test(cells, shown, MIN)["p_value"]

    pinned_with_one_digit = 0
    for _ in range(4):
        table = (int(rng.integers(1, 5)), *(int(v) for v in rng.integers(MIN, 25, 3)))
        shown = released(table)
        near = [range(1, MIN)] + [possible_values(release_count(c, MIN)) for c in table[1:]]
        left = {combo[0] for combo in itertools.product(*near)
                if min(combo[1:]) >= 0 and released(combo) == shown}
        assert table[0] in left and len(left) >= 2, (table, shown, left)
        one_digit = {v for v in range(1, MIN)
                     if one_digit_p(v, table) == one_digit_p(table[0], table)}
        pinned_with_one_digit += len(one_digit) == 1
    assert pinned_with_one_digit > 0  # one digit alone would have pinned some: this can fail


def test_a_test_of_counts_with_a_hidden_cell_is_withheld_whatever_its_precision():
    """The output checker's table: unchanged / changed non-responders 19 and 4, responders 7
    and 8, the 4 shown as <5. With the released totals (changed 10, non-responders 25,
    responders 15, all 40) the reader can rule out every other value of the hidden cell that a
    one-digit p-value of 0.03 allows: the tables within the rounding that give it are listed
    here by brute force, and they all hold 4 in the hidden cell."""
    from scipy.stats import fisher_exact

    from ivig_helpers.privacy import release_count_test

    def shown(v):
        return f"<{MIN}" if 0 < v < MIN else release_count(v, MIN)

    truth = (19, 4, 7, 8)  # (unchanged, changed) non-responders, then responders
    released = {"p": float(f"{fisher_exact([truth[:2], truth[2:]]).pvalue:.1g}"),
                "cells": [shown(v) for v in truth],
                "totals": [shown(truth[0] + truth[2]), shown(truth[1] + truth[3]),
                           shown(truth[0] + truth[1]), shown(truth[2] + truth[3]),
                           shown(sum(truth))]}
    ranges = [possible_values(c) if not str(c).startswith("<") else range(1, MIN)
              for c in released["cells"]]
    left = set()
    for d, b, c, a in itertools.product(*ranges):
        totals = [shown(d + c), shown(b + a), shown(d + b), shown(c + a), shown(a + b + c + d)]
        p = float(f"{fisher_exact([[d, b], [c, a]]).pvalue:.1g}")
        if totals == released["totals"] and p == released["p"]:
            left.add(b)
    assert left == {4}  # one digit would have given the hidden cell back
    test = release_count_test([truth[:2], truth[2:]],
                              [released["cells"][:2], released["cells"][2:]], MIN)
    assert test["p_value"] == SUPPRESSED and test["rule"].startswith("withheld")



@pytest.mark.parametrize("seed", [1, 5, 7])
def test_a_side_of_alpha_shown_beside_a_hidden_cell_holds_for_every_table_a_reader_can_build(
        seed):
    """With a hidden cell, a test of counts may show only the side of alpha on which every
    table the released counts allow falls: a reader learns nothing about the hidden cell from
    it. The reader is played here with the medication table of notebook 4 as released
    (responders and children with and without a change of medicines): every table within the
    rounding of those four counts (a hidden one from 1 to 4), its p-value from SciPy's Fisher
    test. That is more tables than the release allows (it also knows the bands), so a side that
    holds here holds for the reader."""
    from scipy.stats import fisher_exact

    table = make_cohort(40, mix={"focal": 15, "generalized": 15, "both": 10}, seed=seed)
    release = build_release(cohort(table), min_cell_count=MIN)
    shown_p = release.results["asm_fisher_p"]
    rates = release.table("asm_rates").set_index("group")
    assert any(str(v).startswith("<") for v in rates["events"]), "no hidden cell: nothing tested"
    assert shown_p == SUPPRESSED or shown_p[:1] in "<>", shown_p
    if shown_p == SUPPRESSED:
        return
    p_values = []
    for group_of in itertools.product(*[[(r, n) for r in possible_values(rates.loc[g, "events"])
                                         for n in possible_values(rates.loc[g, "n"]) if r <= n]
                                        for g in ("unchanged", "changed")]):
        (r_u, n_u), (r_c, n_c) = group_of
        p_values.append(fisher_exact([[n_u - r_u, n_c - r_c], [r_u, r_c]]).pvalue)
    edge = float(shown_p.lstrip("<>="))
    assert all(p < edge for p in p_values) if shown_p.startswith("<") else \
        all(p >= edge for p in p_values), (shown_p, min(p_values), max(p_values))


def test_a_count_withheld_to_protect_another_is_hidden_for_the_test_of_counts_too():
    """A cell withheld by secondary suppression ("suppressed") hides a count as "<5" does: the
    test's p-value is not shown beside it (before, only "<5" cells were looked for)."""
    from ivig_helpers.privacy import release_count_test

    test = release_count_test([[19, 9], [7, 8]], [[20, SUPPRESSED], [5, 10]], MIN)
    assert test["p_value"] == SUPPRESSED


def test_a_test_of_the_difference_between_types_comes_back_when_no_hidden_count_can_move_it():
    """Groups of 20/15/15 where one type's responders are few and the difference is large: the
    p-value of every table the released counts allow is below 0.05, so that side is shown
    (before, any hidden cell withheld the test). The reader is played as above, with each
    type's responders and children as released (the package's Fisher-Freeman-Halton test, which
    test_appraisal checks against an enumeration of its own, for speed over 4,500 tables)."""
    from ivig_helpers.comparisons import freeman_halton_exact

    table = make_cohort(50, mix={"focal": 20, "generalized": 15, "both": 15}, seed=2)
    responders = {"focal": 2, "generalized": 14, "both": 13}
    kind = table["seizure_type"].astype(str).to_numpy()
    order = np.zeros(len(table), dtype=int)
    for k, count in responders.items():
        where = np.flatnonzero(kind == k)
        order[where[:count]] = 1
    table["month12_seizures_per_month"] = np.where(
        order == 1, 0.2 * table["baseline_seizures_per_month"],
        table["baseline_seizures_per_month"])
    release = build_release(cohort(table), min_cell_count=MIN)
    shown = release.results["seizure_type_vs_responder_p"]
    from .test_appraisal import enumerated_freeman_halton_p  # the true table, independently

    truth = enumerated_freeman_halton_p([int((kind == k).sum()) for k in responders],
                                        list(responders.values()))
    assert truth < 0.05 and shown == "<0.05", (truth, shown)
    by_type = release.results["responder_rate_by_type"]
    assert by_type["focal"]["responders"] == "<5"
    allowed = [[(r, n) for r in possible_values(by_type[k]["responders"])
                for n in possible_values(by_type[k]["n"]) if r <= n]
               for k in ("focal", "generalized", "both")]
    assert all(freeman_halton_exact([[r, n - r] for r, n in groups]) < 0.05
               for groups in itertools.product(*allowed))


def one_digit_p(first, table):
    """Fisher's p of the table with ``first`` in its first cell, to one significant digit."""
    from scipy.stats import fisher_exact

    return float(f"{fisher_exact([[first, table[1]], table[2:]]).pvalue:.1g}")


def cohort(table, name="centre.csv"):
    return Cohort(table=table.reset_index(drop=True), file_name=name, is_bundled=False)


def with_changes(changes, types=None, **columns):
    """A cohort whose children have the given percent changes (baseline 20 per 28 days)."""
    n = len(changes)
    table = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(n)],
        "seizure_type": pd.Categorical(types or ["focal"] * n,
                                       categories=["focal", "generalized", "both"]),
        "baseline_seizures_per_month": 20.0,
        "month12_seizures_per_month": [20.0 * (1 + c / 100) for c in changes],
        **columns})
    return cohort(table)


def test_the_waterfall_bands_do_not_give_a_band_away_against_the_responder_table():
    """A reviewer's cohort: 8 seizure free, 1 child between -99% and -75%, 13 between -75% and
    -50%. Shown 10, <5 and 15 beside the table's 20 responders at 50% (18 to 22), the three
    bands could only be 8, 1 and 13."""
    release = build_release(with_changes([-100.0] * 8 + [-80.0] + [-60.0] * 13 + [10.0] * 20),
                            min_cell_count=MIN)
    bands = release.table("waterfall_bands").set_index("band")["n"]
    sweep = release.table("sweep").set_index("threshold")["events"]
    first = [bands.iloc[0], bands.iloc[1], bands.iloc[2]]
    assert first[1] == "<5"
    options = [possible_values(v) for v in first]
    at_half = set(possible_values(sweep[0.5]))
    at_three_quarters = set(possible_values(sweep[0.75]))
    left = {combo[1] for combo in itertools.product(*options)
            if sum(combo) in at_half and combo[0] + combo[1] in at_three_quarters}
    assert 1 in left and len(left) >= 2, (first, sweep.tolist(), left)


def test_the_medication_bands_do_not_give_a_band_away_against_the_changed_row():
    """Responders: 8 with two or more ASMs fewer, 1 with one more, 8 with two or more added,
    10 unchanged. The table's 15 changed responders (13 to 17) beside bands 10, <5 and 10
    (at least 8 + 1 + 8 = 17) would pin all three."""
    change = [-2] * 8 + [1] + [2] * 8 + [0] * 10 + [0] * 30
    fell = [-60.0] * 27 + [10.0] * 30
    release = build_release(with_changes(fell, asm_count_baseline=4.0,
                                         asm_count_month12=[4.0 + c for c in change]),
                            min_cell_count=MIN)
    bands = release.table("asm_bands").set_index("change")["responders"]
    changed = release.table("asm_rates").set_index("group").loc["changed", "events"]
    moved = [bands[level] for level in (-2, -1, 1, 2)]
    assert moved[2] in ("<5", "suppressed")  # the lone responder with one more medicine
    options = [possible_values(v) for v in moved]
    totals = set(possible_values(changed))
    left = {combo[2] for combo in itertools.product(*options) if sum(combo) in totals}
    assert 1 in left and len(left) >= 2, (moved, changed, left)


def test_table_one_levels_of_a_group_do_not_pin_its_hidden_counts():
    """A reviewer's case: a group of 8 with 4 girls and 4 boys showed n = 10, F <5, M <5: two
    counts of at most 4 make at most 8, and a shown 10 means at least 8."""
    table = make_cohort(40, mix={"focal": 20, "generalized": 8, "both": 12}, seed=2)
    general = table.index[table["seizure_type"] == "generalized"]
    table.loc[general[:4], "sex"] = "F"
    table.loc[general[4:], "sex"] = "M"
    shown = build_release(cohort(table), min_cell_count=MIN).table("table_one")
    n = shown.iloc[0]["Generalized"]
    sexes = [str(v).split(" (")[0] for v in shown.loc["Sex, n (%)"]["Generalized"]]
    sizes = possible_values(int(n)) if n.isdigit() else list(range(46))
    options = [possible_values(int(v)) if v.isdigit() else possible_values(v) for v in sexes]
    left = {combo for combo in itertools.product(*options) if sum(combo) in sizes}
    assert all(len({c[i] for c in left}) >= 2 for i, v in enumerate(sexes) if v == "<5"), (
        n, sexes)


def test_age_bands_do_not_pin_the_lone_child_of_a_band():
    """A reviewer's case: 13 children aged 5-9, 28 aged 10-14 and 1 aged 15-19. Released one by
    one (15, 30, <5 beside n = 40) they pinned the lone 15-year-old."""
    ages = [6.0] * 13 + [12.0] * 28 + [16.0]
    ages_of = with_changes([-10.0] * 42, age_years=ages)
    release = build_release(ages_of, min_cell_count=MIN)
    bands = release.texts["age"]["bands"]
    assert bands["15-19"] == "<5"
    options = [possible_values(v) for v in bands.values()]
    sizes = set(possible_values(release.texts["age"]["n"], 60))
    index = list(bands).index("15-19")
    left = {combo[index] for combo in itertools.product(*options) if sum(combo) in sizes}
    assert len(left) >= 2, (bands, left)


def test_a_group_summary_needs_ten_children_with_a_value():
    """Table 1's statistics of a type are of the children who have a value: one child with an
    age made "17.3 (nan)", which is that child's age."""
    table = make_cohort(40, mix={"focal": 20, "generalized": 12, "both": 8}, seed=6)
    general = table.index[table["seizure_type"] == "generalized"]
    table.loc[general[1:], "age_years"] = np.nan
    table.loc[general[0], "age_years"] = 17.3
    shown = build_release(cohort(table), min_cell_count=MIN).table("table_one")
    assert shown.loc[("Age, years, mean (SD)", ""), "Generalized"] == SUPPRESSED
    assert "17.3" not in shown.to_string()


def test_a_standard_deviation_of_zero_is_withheld():
    """"SD 0.0" says every child of the group has the mean: the fewest is the most."""
    table = make_cohort(45, mix={"focal": 15, "generalized": 15, "both": 15}, seed=8)
    table.loc[table["seizure_type"] == "both", "asm_count_baseline"] = 3.0
    shown = build_release(cohort(table), min_cell_count=MIN).table("table_one")
    assert shown.loc[("Antiseizure medications, before IVIG, mean (SD)", ""), "Both"] == \
        SUPPRESSED


def test_no_results_number_is_nan_and_a_withheld_test_keeps_its_methods_name():
    import json

    small = build_release(cohort(make_cohort(33, mix={"focal": 30, "generalized": 3}, seed=4)),
                          min_cell_count=MIN)
    json.dumps(small.results, allow_nan=False)  # a type with no child has no rate: null
    assert small.results["responder_rate_by_type"]["both"]["rate"] is None
    assert small.results["seizure_type_vs_responder_method"].startswith(
        ("Fisher-Freeman-Halton", "Fisher's exact"))


def test_a_paired_test_in_which_every_child_moved_one_way_is_withheld():
    """All 14 changed children fell gives p = 0.001 and all 13 gives 0.002 (normal
    approximation, no ties): the p-value would give the count back. (14 children: a group of
    12 reads 10 at N = 5, which could be 8, so its test is withheld for that reason alone.)"""
    from scipy.stats import wilcoxon

    from ivig_helpers.privacy import release_p

    falls = [-5.0 - i for i in range(14)]
    mixed = [(3 if i % 2 else -3) * (i + 1) for i in range(14)]
    release = build_release(with_changes(falls + mixed, ["focal"] * 14 + ["generalized"] * 14),
                            min_cell_count=MIN)
    tests = release.table("frequencies").set_index("group")
    assert tests.loc["focal", "p_value"] == SUPPRESSED
    before = np.full(14, 20.0)
    after = before * (1 + np.array(mixed) / 100)
    p = wilcoxon(before, after, method="approx", correction=False).pvalue
    assert tests.loc["generalized", "p_value"] == release_p(p, MIN)


def test_a_within_type_test_of_fewer_than_ten_children_is_withheld():
    release = build_release(with_changes([-60.0, 10.0, -20.0, 5.0] * 2 + [-30.0, 20.0] * 8,
                                         ["generalized"] * 8 + ["focal"] * 16),
                            min_cell_count=MIN)
    tests = release.table("frequencies").set_index("group")
    assert tests.loc["generalized", "p_value"] == SUPPRESSED
    assert isinstance(tests.loc["focal", "p_value"], float)


def test_the_medication_table_withholds_a_wilcoxon_test_in_which_every_count_rose():
    """12 children whose number of medications all rose by one give a p-value that is a
    function of 12 alone."""
    rose = with_changes([-60.0] * 6 + [10.0] * 6, asm_count_baseline=2.0, asm_count_month12=3.0)
    shown = build_release(rose, min_cell_count=MIN).table("asm_checks")
    assert shown["p_value"].iloc[0] == SUPPRESSED


@pytest.mark.parametrize("seed", [1, 5])
def test_a_shared_report_of_40_children_in_groups_of_15_15_10_still_answers_the_question(seed):
    """With disclosure control at the usual 5, the report still shows what it exists for: the
    within-type tests of frequencies of the groups of 15 (ESSnet's "safe" class; the group of
    10 reads 10, which could be 8, so its test is withheld whatever its size) and
    the responder rate with its interval (from the rounded counts). The test of the difference
    between types is shown to one digit when no cell of its table is hidden; with a hidden cell,
    only as the side of alpha every table the released counts allow falls on, or withheld, and
    the checker's summary says why (an output checker recovered a hidden cell from a one-digit
    p-value and the released totals: see
    test_a_test_of_counts_with_a_hidden_cell_is_withheld_whatever_its_precision)."""
    table = make_cohort(40, mix={"focal": 15, "generalized": 15, "both": 10}, seed=seed)
    release = build_release(cohort(table), min_cell_count=MIN)
    tests = release.table("frequencies").set_index("group")["p_value"]
    sizes = release.results["seizure_type_counts"]
    # the groups of 15 keep their tests; the group of 10 reads 10, which at N = 5 could be 8:
    # too few for a test whatever its true size (see too_few)
    assert all(isinstance(tests[k], float) for k in sizes if sizes[k] == 15), tests.tolist()
    assert all(tests[k] == SUPPRESSED for k in sizes if sizes[k] == 10), tests.tolist()
    by_type = release.results["responder_rate_by_type"]
    hidden = any(str(by_type[k][key]).startswith("<") for k in by_type
                 for key in ("responders", "n"))
    between = release.results["seizure_type_vs_responder_p"]
    if hidden:
        assert between == SUPPRESSED or between[:1] in "<>", between
    else:
        assert isinstance(between, float), between
    assert isinstance(release.results["responder_rate"], float)
    assert all(isinstance(v, float) for v in release.results["responder_rate_ci"])
    rules = {r["output"].split(" (")[0]: r["rule"] for r in release.checker}
    assert "at least 10 children" in rules["Within-type Wilcoxon tests of frequencies"]
    assert rules["Test of the difference between seizure types"]


def test_validate_says_before_the_run_what_a_shared_report_would_withhold(tmp_path, capsys):
    from ivig_helpers import write_cohort

    from .conftest import cli_in_process

    small = write_cohort(make_cohort(30, mix={"focal": 20, "generalized": 6, "both": 4},
                                     seed=3), tmp_path / "small.csv")
    done = cli_in_process(capsys, "validate", "--data", small)
    assert done.returncode == 0, done.stderr
    assert "If you share a report (--param min_cell_count=5)" in done.stdout
    assert "within-type tests and medians of generalized, both will be withheld" in done.stdout
    release = build_release(cohort(make_cohort(30, mix={"focal": 20, "generalized": 6,
                                                         "both": 4}, seed=3)), min_cell_count=MIN)
    tests = release.table("frequencies").set_index("group")["p_value"]  # what the run does
    assert tests["generalized"] == tests["both"] == SUPPRESSED != tests["focal"]
    large = write_cohort(make_cohort(90, seed=3), tmp_path / "large.csv")
    done = cli_in_process(capsys, "validate", "--data", large)
    assert "every test and summary can be shown" in done.stdout


def test_no_summary_in_the_release_has_more_digits_than_a_page_shows():
    """An output checker's finding: a mean of ages with one decimal, stored to 15 digits,
    fits only one number of children (mean x n is a whole number of tenths), which gave the
    exact cohort size and so a hidden count of blank ages. At the precision a page shows, many
    sizes fit."""
    table = make_cohort(32, seed=11, missing_followup_share=0.1)
    table.loc[table.index[:3], "age_years"] = np.nan
    release = build_release(cohort(table), min_cell_count=MIN)
    mean = release.texts["age"]["mean"]
    assert mean == round(mean, 1)
    fits = [n for n in range(20, 45) if abs(mean * n * 10 - round(mean * n * 10)) < 1e-6]
    assert len(fits) > 1, fits
    for row in release.texts["asm_summary"]:
        assert row["mean"] == round(row["mean"], 1) and row["sd"] == round(row["sd"], 1)
    median = release.texts["median"]
    assert all(v == round(v, 1) for v in (median["median"], median["ci_low"], median["ci_high"]))


def test_a_score_test_whose_changed_children_are_hidden_is_withheld():
    """Scores take six values: with 4 of 14 children changing (2 fell, 2 rose), p = 0.9 could
    only be 4 changed, 2 and 2. Shown beside hidden counts, it gave them back."""
    change = [-60.0, -40.0, 30.0, 60.0] + [-5.0] * 10  # scores move for the first four only
    release = build_release(with_changes(change + [-30.0, 20.0] * 6,
                                         ["focal"] * 14 + ["generalized"] * 12),
                            min_cell_count=MIN)
    scores = release.table("scores").set_index("group")
    assert scores.loc["focal", "n_changed"] in ("<5", SUPPRESSED)
    assert scores.loc["focal", "p_value"] == SUPPRESSED


def test_the_medication_test_is_withheld_when_a_band_of_change_is_hidden():
    """Numbers of medicines are whole: the Wilcoxon p of 4 children one fewer, 5 one more and
    1 two more (p = 0.405, shown 0.4) was given by no other counts the report allowed."""
    change = [-1] * 4 + [1] * 5 + [2] + [0] * 22
    release = build_release(with_changes([-60.0] * 10 + [10.0] * 22, asm_count_baseline=3.0,
                                         asm_count_month12=[3.0 + c for c in change]),
                            min_cell_count=MIN)
    assert release.table("asm_checks")["p_value"].iloc[0] == SUPPRESSED


def test_odds_ratios_say_nothing_when_a_cell_of_their_table_is_hidden():
    """The model was fitted on counts rounded from the true ones (1 or 2 became 0, 3 or 4
    became 5), so "estimable" said which: now the model is withheld whole."""
    table = make_cohort(40, mix={"focal": 15, "generalized": 15, "both": 10}, seed=5)
    found = build_release(cohort(table), min_cell_count=MIN).appraisal["odds_ratios"]
    others = [row for kind, row in found.items() if kind != row["reference"]]
    assert others and all(not row["estimable"] and row["odds_ratio"] == SUPPRESSED
                          for row in others), found
    assert found["focal"]["odds_ratio"] == 1.0  # the reference: a definition, not data


def test_a_zero_beside_a_small_group_is_withheld():
    """"0 rose" in a group of 3 says that none of the three got worse: it reads <5, as the
    group's other parts do (not "suppressed", which a reader could tell was 0)."""
    change = [-60.0] * 3 + [-40.0, 10.0] * 10  # the 3 "both" children all improve
    release = build_release(with_changes(change, ["both"] * 3 + ["focal"] * 20),
                            min_cell_count=MIN)
    frequencies = release.table("frequencies").set_index("group")
    assert frequencies.loc["both", "n_rose"] == frequencies.loc["both", "n_fell"] == "<5"
    assert release.results["responder_rate_by_type"]["both"]["responders"] == "<5"


def test_a_zero_in_a_small_group_reads_like_its_other_parts():
    """An output checker's attack: a part of a group of 1 to 4 children marked "suppressed"
    could only be 0 (a count withheld to protect another is 5 or more, which no part of such a
    group can be), so "suppressed" told them that no child of the group responded. A 0 there
    now reads <5 like the other parts: two cohorts whose two children with both types differ
    only in whether one of them responded (0 or 1 of 2) release the same counts for that
    group."""
    def released(responders_of_both):
        table = make_cohort(40, mix={"focal": 19, "generalized": 19, "both": 2}, seed=4)
        both = np.flatnonzero(table["seizure_type"].astype(str).to_numpy() == "both")
        factor = np.where(np.arange(len(table)) % 2 == 0, 0.3, 1.0)  # others: half respond
        factor[both] = 1.2  # neither of the two improves ...
        factor[both[:responders_of_both]] = 0.4  # ... but these respond
        table["month12_seizures_per_month"] = table["baseline_seizures_per_month"] * factor
        return build_release(cohort(table), min_cell_count=MIN).results

    none_responded, one_responded = released(0), released(1)
    for results in (none_responded, one_responded):
        both = results["responder_rate_by_type"]["both"]
        assert both["n"] == "<5" and both["responders"] == "<5", both
        for pairs in (results["subgroup_wilcoxon_pairs"], results[
                "subgroup_wilcoxon_frequency_pairs"]):
            group = pairs["both"]
            if str(group["n_changed"]).startswith("<"):
                assert SUPPRESSED not in (group["n_fell"], group["n_rose"]), group
    assert none_responded["responder_rate_by_type"]["both"] == \
        one_responded["responder_rate_by_type"]["both"]


def test_whether_a_test_is_shown_does_not_tell_a_group_of_9_from_one_of_11():
    """An output checker's attack: focal 9 shown as 10 beside "not shown: fewer than 10
    children" is 8 or 9, and with the cohort's total (13, shown 15) the hidden generalized
    count (4) was pinned. The choice now rests on the rounded count: groups of 9 and of 11,
    both shown as 10, get the same outputs, and the hidden count keeps its range."""
    def released(focal):
        table = make_cohort(focal + 4, mix={"focal": focal, "generalized": 4, "both": 0},
                            seed=8)
        return build_release(cohort(table), min_cell_count=MIN)

    nine, eleven = released(9), released(11)
    for release in (nine, eleven):
        assert release.results["seizure_type_counts"]["focal"] == 10
        assert release.results["seizure_type_counts"]["generalized"] == "<5"
    for name in ("frequencies", "scores"):
        left, right = (r.table(name).set_index("group").loc["focal"] for r in (nine, eleven))
        assert left["p_value"] == right["p_value"] == SUPPRESSED
        assert left["note"] == right["note"], (left["note"], right["note"])

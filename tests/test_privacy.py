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

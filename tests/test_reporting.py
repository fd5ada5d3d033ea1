"""Table 1 and small-count suppression, against counts taken directly with pandas."""

import pandas as pd
import pytest

from ivig_helpers import load_cohort, make_cohort, table_one
from ivig_helpers import table1 as table_one_module
from ivig_helpers.contract import Cohort
from ivig_helpers.release import build_release

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
    release = build_release(Cohort(table=table, file_name="c.csv", is_bundled=False),
                            min_cell_count=5)
    shown = release.table("table_one")
    generalized = shown["Generalized"]
    assert generalized.iloc[0] == "<5"
    assert set(generalized.iloc[1:]) == {"suppressed"}  # no age or frequency of two children
    assert shown.loc[("n", ""), "Focal"] == "25"  # a multiple of 5 stays as it is
    assert shown.loc[("n", ""), "Both"] == "15"  # 13 children, rounded to the nearest 5


def _blank_one_year_in_both(table):
    table.loc[table["seizure_type"] == "both", "month12_seizures_per_month"] = float("nan")
    return table


def _blank_sex_and_etiology(table):
    table.loc[table.index[:5], "sex"] = None  # tableone shows a level "None"
    table.loc[table.index[3:9], "etiology"] = None
    return table


def _row(shown, label):
    return shown.loc[[key for key in shown.index if key[0].startswith(label)][0]]


# (cohort, minimum cell count, what the table must show for the case to test what it says):
# sizes and seeds, blank follow-up, an absent seizure type, a group of one child (SD 0.0), a
# group whose one-year values are all blank (nan), blank categories
SAME_TABLE_ONE_CASES = {
    "bundled": (lambda: load_cohort(BUNDLED).table, 0, None),
    "60, seed 1": (lambda: make_cohort(60, seed=1), 0, None),
    "997, seed 2": (lambda: make_cohort(997, seed=2), 0, None),
    "3001, seed 3": (lambda: make_cohort(3001, seed=3), 0, None),
    "blank follow-up": (lambda: make_cohort(800, seed=4, missing_followup_share=0.25), 0,
                        lambda shown: _row(shown, "Seizures per 28 days, 1 y")["Missing"] == 200),
    "no generalized, no 3 months": (lambda: make_cohort(
        500, mix={"focal": 2, "both": 1}, include_month3=False, seed=5), 0,
        lambda shown: list(shown.columns) == ["Missing", "Overall", "Focal", "Both"]),
    "a group of one": (lambda: make_cohort(
        41, mix={"focal": 39, "generalized": 1, "both": 1}, seed=6), 0,
        lambda shown: _row(shown, "Age")["Generalized"].endswith(" (0.0)")),
    "a group of blanks": (lambda: _blank_one_year_in_both(make_cohort(300, seed=7)), 0,
                          lambda shown: _row(shown, "Seizures per 28 days, 1 year")["Both"]
                          == "nan [nan,nan]"),
    "blank categories": (lambda: _blank_sex_and_etiology(make_cohort(300, seed=8)), 0,
                         lambda shown: ("Sex, n (%)", "None") in shown.index),
}


@pytest.mark.parametrize("case", SAME_TABLE_ONE_CASES)
def test_table_one_above_the_limit_is_the_table_tableone_makes(case, monkeypatch):
    make, _, shows = SAME_TABLE_ONE_CASES[case]
    table = make()
    monkeypatch.setattr(table_one_module, "TABLE_ONE_TABLEONE_LIMIT", len(table))
    with_tableone = table_one(table)

    def no_tableone(*args, **kwargs):
        raise AssertionError("tableone called above the limit")

    monkeypatch.setattr(table_one_module, "_table_one", no_tableone)
    monkeypatch.setattr(table_one_module, "TABLE_ONE_TABLEONE_LIMIT", len(table) - 1)
    by_group = table_one(table)
    # cell for cell: the same text, the same numbers, even the same Python types
    pd.testing.assert_frame_equal(by_group, with_tableone, check_exact=True)
    assert by_group.map(type).equals(with_tableone.map(type))
    assert shows is None or shows(by_group)



def test_the_headline_table_names_the_method_of_the_test_between_types():
    from ivig_helpers import add_outcomes, compute_results, fisher_exact, narrative

    seen = set()
    for table in (load_cohort(BUNDLED).table, make_cohort(10_000, seed=1)):
        chosen = fisher_exact(add_outcomes(table), "seizure_type", "responder").iloc[0]
        seen.add(chosen["method"])
        words = {"exact": "Fisher-Freeman-Halton exact test",
                 "asymptotic": "Pearson's chi-square test, asymptotic"}[chosen["method"]]
        row = narrative.headline_table(compute_results(table)).set_index("quantity")
        assert row.loc["between_types_p", "what"] == f"Responders differ between types ({words})"
    assert seen == {"exact", "asymptotic"}  # both ways of the test were seen


def test_the_appraisal_words_follow_the_simulation_the_pool_and_the_threshold():
    from ivig_helpers import narrative_appraisal

    base = {"alpha": 0.05, "responder_threshold": 0.3, "placebo_binomial_p": 0.0001,
            "null_simulation_share": 0.0, "null_simulation_median_rate": 0.46,
            "null_simulation_settings": {"n_cohorts": None, "simulated_children": 1_000_000},
            "null_simulation_grid": {"settings": 48, "share_min": 0.0, "share_median": 0.0,
                                     "share_max": 0.0004, "settings_often": 0, "often": 0.05,
                                     "rate_min": 0.3, "rate_max": 0.46},
            "pooled_responder_rate": {"rate": 0.65, "ci": [0.06, 0.98], "i2": 0.1}}
    text = narrative_appraisal.appraisal_story(base)
    assert "a typical no-effect cohort of this size still has from 30% to 46% responders" in text
    assert "fewer than 0.1% of such cohorts reach this responder rate in every setting" in text
    assert "1,000,000 simulated children" in text
    assert "Pooled with this one" in text
    assert "they agree about as well as chance allows (I² = 10%)" in text
    assert "the pooled rate mixes two definitions" in text


def test_a_large_cohort_is_told_that_significance_is_not_size():
    from ivig_helpers import narrative

    found = {"asm_wilcoxon_p": 1e-9, "asm_fisher_p": 0.32, "n_analysed": 100_000}
    assert "With 100,000 children even a very small change" in narrative.medications_story(
        found, 0.05)
    assert "very small change" not in narrative.medications_story(
        {**found, "n_analysed": 60}, 0.05)


def test_the_scorecard_shows_a_tiny_p_value_as_below_0001_not_as_0():
    from ivig_helpers import BUNDLED_COHORT, compute_results, load_cohort
    from ivig_helpers.reporting import scorecard_view
    from ivig_helpers.results import scorecard

    results = compute_results(load_cohort(BUNDLED_COHORT).table)
    results["subgroup_wilcoxon_p"]["focal"] = 3e-7
    html = scorecard_view(scorecard(results)).data
    assert "&lt;0.001" in html or "<0.001" in html
    assert ">0<" not in html.replace(" ", "")


SNAKE = r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b"
"""An internal name (snake_case), which a reader of a report should never meet."""


def test_the_scorecard_names_unmatched_and_withheld_numbers_in_words():
    """Notebook 5 once listed "Not matched: n_patients, age_mean, ..." (keys of
    published_targets.csv). On a small cohort with disclosure control on, every number that did
    not match or is not shown is named by its description in that file (read here with csv)."""
    import csv
    import re

    from ivig_helpers.reporting import scorecard_summary
    from ivig_helpers.results import scorecard

    from .conftest import TARGETS

    with open(TARGETS, newline="", encoding="utf-8") as handle:
        described = {row["quantity"]: row["description"] for row in csv.DictReader(handle)}
    release = build_release(Cohort(make_cohort(40, seed=7), "c.csv", False), min_cell_count=5)
    card = scorecard(release.results)
    text = scorecard_summary(card)
    assert not re.search(SNAKE, text), text
    lines = text.split("\n")
    missed = card.loc[card["match"] == False, "quantity"]  # noqa: E712
    withheld = card.loc[card["match"].isna(), "quantity"]
    assert len(missed) and len(withheld)  # both lines are there to read
    assert lines[1] == "Not matched: " + "; ".join(described[q] for q in missed)
    assert lines[2] == "Not shown (disclosure control): " + "; ".join(described[q]
                                                                      for q in withheld)
    matched = sum(card["match"] == True)  # noqa: E712
    assert lines[0] == (f"{matched} of {len(described)} published numbers matched at the "
                        "published precision")


def test_notebook_6_says_in_words_why_there_is_no_specification_curve():
    """With disclosure control on, the specification curve is withheld whole: one sentence says
    what is withheld and why (exact p-values of a few children could give counts back) and what
    stays; with control off on the bundled cohort there is a curve, so nothing is said."""
    from ivig_helpers.reporting import specifications_note

    controlled = build_release(Cohort(make_cohort(40, seed=7), "c.csv", False),
                               min_cell_count=5)
    note = specifications_note(controlled)
    assert note.startswith("No figure here: disclosure control withholds the analyses of this "
                           "section, one by one and summed up per family")
    assert "could give hidden counts back" in note
    assert note.endswith("The other sections of this page show what disclosure control allows.")
    assert specifications_note(build_release(load_cohort(BUNDLED))) == ""


def _true_counts_shown_as(shown, min_cell_count):
    """Every true count that disclosure control shows as ``shown``, by enumeration."""
    from ivig_helpers.privacy import release_count

    return [t for t in range(0, 200) if release_count(t, min_cell_count) == shown]


@pytest.mark.parametrize("mcc", [5, 10])
def test_equal_rounded_counts_read_as_rounded_with_the_share_a_range(mcc):
    """"10 of 10 (100%)" with counts rounded by disclosure control reads as a finding: the words
    say "about", and the share is the range the true counts allow, from the smallest true count
    over the largest true total (enumerated here from the rounding rule)."""
    from ivig_helpers.rounded import count_of

    counts = _true_counts_shown_as(10, mcc)
    low = min(counts) / max(counts)  # 8/12 with a minimum of 5, 10/12 with 10
    assert count_of(10, 10, 1.0, mcc) == (f"about 10 of about 10 ({100 * low:.0f}% to 100%: "
                                          "both counts are rounded to the nearest 5)")
    assert count_of(10, 10, 1.0) == "10 of 10 (100.0%)"  # exact counts: a plain share
    assert count_of(0, 10, 0.0, mcc).startswith("0 of about 10")  # a shown 0 is a true 0


def test_a_rate_of_rounded_counts_says_so_and_its_interval_is_of_the_rounded_counts():
    """Notebook 2's sentence on a small cohort with disclosure control on: about N of about M,
    and the exact interval, the Clopper-Pearson interval of the released counts (SciPy), said
    to be of the rounded counts. With control off the sentence is as before."""
    from scipy.stats import binomtest

    from ivig_helpers.reporting import describe_rate

    release = build_release(Cohort(make_cohort(40, seed=7), "c.csv", False), min_cell_count=5)
    row = release.table("rates").set_index("group").loc["Responders"]
    events, n = int(row["events"]), int(row["n"])
    ci = binomtest(events, n).proportion_ci(0.95, method="exact")
    text = describe_rate("Responders", row, rounded=True, min_cell_count=5)
    assert text == (f"Responders: about {events} of about {n} ({100 * events / n:.1f}%; counts "
                    f"rounded to the nearest 5), exact 95% CI of the rounded counts "
                    f"{100 * ci.low:.1f}% to {100 * ci.high:.1f}%")
    hidden = pd.Series({"events": "<10", "n": 15, "rate": "suppressed"})  # the total rounded
    assert describe_rate("Seizure free", hidden, rounded=True, min_cell_count=10) == (
        "Seizure free: fewer than 10 of about 15 (rate not shown: a count is hidden)")
    exact = build_release(load_cohort(BUNDLED)).table("rates").set_index("group")
    assert describe_rate("Responders", exact.loc["Responders"]) == (
        "Responders: 22 of 60 (36.7%), exact 95% CI 24.6% to 50.1%")  # published 22 of 60


def test_tables_of_rounded_counts_say_their_exact_intervals_and_p_values_are_of_them():
    """Headings that say "exact" say "of the rounded counts" with disclosure control on (the
    responder rates by threshold, the placebo p-values, the exact conditional interval); with it
    off they are as before. The interval shown is SciPy's Clopper-Pearson of the released
    counts."""
    from scipy.stats import binomtest

    from ivig_helpers.reporting import result_table

    release = build_release(Cohort(make_cohort(40, seed=7), "c.csv", False), min_cell_count=5)
    sweep = release.table("sweep")
    columns = ["threshold", "events", "n", "rate", "exact_low", "exact_high"]
    html = result_table(sweep, columns, min_cell_count=5).data
    assert "Exact 95% CI (of the rounded counts)" in html
    row = sweep[sweep["threshold"] == 0.5].iloc[0]
    ci = binomtest(int(row["events"]), int(row["n"])).proportion_ci(0.95, method="exact")
    assert f"{100 * ci.low:.1f}% to {100 * ci.high:.1f}%" in html
    assert "(of the rounded counts)" not in result_table(sweep, columns, min_cell_count=0).data
    placebo = pd.DataFrame({"benchmark": ["placebo"], "p_value": [0.005],
                            "interval": ["95%, exact conditional"]})
    html = result_table(placebo, names={"p_value": "p (one-sided, exact)"},
                        min_cell_count=5).data
    assert "p (one-sided, exact; of the rounded counts)" in html
    assert "95%, exact conditional (of the rounded counts)" in html
    cohorts = pd.DataFrame({"study": ["Billiau et al. 2007", "these data"], "n": [13, 40],
                            "events": [4, 15], "rate": [4 / 13, 15 / 40],
                            "exact_low": [0.09, 0.23], "exact_high": [0.61, 0.54]})
    html = result_table(cohorts, min_cell_count=5).data
    assert "Exact 95% CI (these data: of the rounded counts)" in html  # the others: published
    assert ">Cohort<" in html and ">study<" not in html  # no column name reaches the reader


def test_the_landing_pages_exact_placebo_test_of_rounded_counts_says_so():
    """The landing page's "how strong" gives the placebo test's exact p; with disclosure control
    on that test is of the released, rounded counts (SciPy's one-sided binomial test of them
    gives the p shown), and the sentence says so; with control off it does not."""
    from scipy.stats import binomtest

    from ivig_helpers.narrative import p_words
    from ivig_helpers.summary import bottom_line

    release = build_release(Cohort(make_cohort(40, seed=7), "c.csv", False), min_cell_count=5)
    results = {**release.results, "appraisal": release.appraisal}
    p = binomtest(results["responders"], results["n_analysed"], 0.19,
                  alternative="greater").pvalue
    assert float(f"{p:.1g}") == results["appraisal"]["placebo_binomial_p"]  # one digit, released
    words = f"gives {p_words(release.appraisal['placebo_binomial_p'], 0.05)} (one-sided exact "
    assert words + "binomial test of the rounded counts)" in bottom_line(results)
    exact = build_release(load_cohort(BUNDLED))
    text = bottom_line({**exact.results, "appraisal": exact.appraisal})
    assert "(one-sided exact binomial test)" in text and "rounded" not in text


def test_the_landing_page_says_about_for_rounded_counts():
    """With disclosure control on, the landing page's counts are rounded to 5 and read "about
    15 of about 40"; without it, the exact counts read as they are."""
    from ivig_helpers.summary import bottom_line

    release = build_release(Cohort(make_cohort(40, seed=7), "c.csv", False), min_cell_count=5)
    results = {**release.results, "appraisal": release.appraisal}
    assert results["responders"] % 5 == 0 and results["n_analysed"] % 5 == 0
    text = bottom_line(results)
    assert f"about {results['responders']} of about {results['n_analysed']} children" in text
    exact = build_release(load_cohort(BUNDLED))
    text = bottom_line({**exact.results, "appraisal": exact.appraisal})
    assert "22 of 60 children" in text and "about" not in text.split("children")[0]

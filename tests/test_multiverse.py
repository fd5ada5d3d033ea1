"""The multiverse of the generalized group's claim (issue 18, part 3): one row per distinct
analysis, each family's spread, Holm where several types are tested.

Independent values: SciPy's wilcoxon, binomtest, fisher_exact and mannwhitneyu called here on
the cohort's columns (recomputed with pandas, not with the package's outcomes), an enumeration
of every sign flip written out here, statsmodels' Holm correction, and each family's count,
share and spread recounted here from the rows.
"""

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from ivig_helpers import (
    BUNDLED_COHORT,
    SEIZURE_TYPES,
    load_cohort,
    make_cohort,
    narrative,
    narrative_appraisal,
)
from ivig_helpers import appraisal as ap
from ivig_helpers.appraisal import fragility
from ivig_helpers.release import build_release

GROUP = "generalized"
BOUNDS = (1.0, 4.0, 28.0, 84.0)  # the project's score, written out (data/README.md)


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(BUNDLED_COHORT).table


@pytest.fixture(scope="module")
def curve(cohort):
    return ap.specification_curve(cohort)


def score(values, bounds=BOUNDS):
    """The 0-5 score, as the table in data/README.md defines it, one rule at a time."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    out[values == 0] = 0
    out[(values > 0) & (values < bounds[0])] = 1
    for level, (low, high) in enumerate(zip(bounds, [*bounds[1:], np.inf], strict=True),
                                          start=2):
        out[(values >= low) & (values < high)] = level
    return out


def columns(table, kind=GROUP, carry=False):
    """Baseline and one-year frequency of one type; missing follow-up as no change (or the
    3-month value carried forward)."""
    part = table[table["seizure_type"].astype(str) == kind]
    before = part["baseline_seizures_per_month"].to_numpy(dtype=float)
    after = part["month12_seizures_per_month"].to_numpy(dtype=float)
    if carry:
        month3 = part["month3_seizures_per_month"].to_numpy(dtype=float)
        after = np.where(np.isnan(after), month3, after)
    return before, np.where(np.isnan(after), before, after)


def row(curve, *words):
    """The one row whose label, or one of whose equivalent labels, has all these words."""
    labels = curve["specification"] + " | " + curve["also_covers"]
    found = curve[labels.map(lambda text: all(w in text for w in words))]
    assert len(found) == 1, (words, found["specification"].tolist())
    return found.iloc[0]


def spss(before, after, correction=False):
    return stats.wilcoxon(after - before, zero_method="wilcox", correction=correction,
                          method="approx").pvalue


def enumerated_signed_rank_p(d):
    """Two-sided exact signed-rank p by listing every sign pattern (zeros dropped)."""
    d = np.asarray(d, dtype=float)
    d = d[d != 0]
    ranks = stats.rankdata(np.abs(d))
    mean, observed = ranks.sum() / 2, abs(ranks[d > 0].sum() - ranks.sum() / 2)
    hits = sum(abs(sum(r for r, up in zip(ranks, signs, strict=True) if up) - mean)
               >= observed - 1e-9 for signs in itertools.product((0, 1), repeat=len(d)))
    return hits / 2 ** len(d)


# --- one row per distinct analysis --------------------------------------------------------------

def _cohorts():
    yield "bundled", load_cohort(BUNDLED_COHORT).table
    yield "missing follow-up", make_cohort(60, missing_followup_share=0.3, seed=5)
    yield "small", make_cohort(14, mix={"focal": 6, "generalized": 5, "both": 3}, seed=2)
    yield "large", make_cohort(400, seed=9)


@pytest.mark.parametrize("name, table", list(_cohorts()), ids=[n for n, _ in _cohorts()])
def test_no_two_rows_are_the_same_test(name, table):
    curve = ap.specification_curve(table)
    shown = curve[curve["testable"]]
    same = shown.assign(statistic=shown["statistic"].round(9),
                        p_value=shown["p_value"].round(12)).duplicated(
        ["question", "test", "method", "n", "statistic", "p_value"], keep=False)
    assert not same.any(), shown.loc[same, "specification"].tolist()
    assert curve["specification"].is_unique
    assert set(curve["method"]) <= {"exact", "asymptotic"}
    json.dumps(ap.appraisal_results(table, n_permutations=99, n_cohorts=100),
               allow_nan=False)


def test_the_bundled_cohort_merges_the_choices_that_change_nothing(curve, cohort):
    """No child lacks follow-up and every age is 2 to 18 (checked here): those choices are the
    reference test, one row, listed beside it; its families say so."""
    assert cohort["month12_seizures_per_month"].notna().all()
    assert cohort["age_years"].between(2, 18).all()
    reference = curve[curve["reference"] & (curve["question"] == fragility.WITHIN)]
    assert len(reference) == 1
    reference = reference.iloc[0]
    assert "missing follow-up left out" in reference["also_covers"]
    assert "only children aged 2 to 18" in reference["also_covers"]
    assert set(reference["families"].split("; ")) == {"test", "score scale and cut-points",
                                                      "missing follow-up", "exclusions"}


def test_duplicates_are_found_by_content_not_by_label(cohort):
    """With no child unchanged, ranking the unchanged children (Pratt) changes nothing: the
    Pratt rows must be the same rows as the others, whatever their labels say."""
    general = cohort["seizure_type"].astype(str) == GROUP
    table = cohort[~general | (general.cumsum() <= 15)].reset_index(drop=True)  # exact: 2^15
    general = table["seizure_type"].astype(str) == GROUP
    table.loc[general, "month12_seizures_per_month"] = (
        table.loc[general, "baseline_seizures_per_month"] / 10)
    before, after = columns(table)
    assert (score(after) != score(before)).all()  # every score changed
    curve = ap.specification_curve(table)
    tests = curve[curve["families"].str.contains("test") & (curve["question"]
                                                            == fragility.WITHIN)]
    assert not tests["specification"].str.contains("Pratt").any()
    assert tests["also_covers"].str.contains("Pratt").sum() == 3
    assert len(tests) == 4  # three Wilcoxon tests and the sign test


def test_missing_follow_up_as_no_change_is_left_out_by_the_wilcoxon_test():
    """Dropping unchanged children makes "no change" and "left out" the same test; carrying
    the 3-month value forward is another one, checked against SciPy."""
    table = make_cohort(60, missing_followup_share=0.3, seed=5)
    curve = ap.specification_curve(table)
    reference = row(curve, "seizure frequency score 0-5", "(SPSS); unchanged children dropped",
                    "missing follow-up left out; every child")
    assert reference["reference"]
    before, after = columns(table, carry=True)
    carried = row(curve, "seizure frequency score 0-5", "(SPSS); unchanged children dropped",
                  "3-month value carried forward")
    assert carried["p_value"] == pytest.approx(spss(score(before), score(after)), rel=1e-9)


# --- each p against SciPy -----------------------------------------------------------------------

def test_within_group_rows_match_scipy(curve, cohort):
    before, after = columns(cohort)
    for words, x, y in [
            (("seizure frequency score 0-5 (cut", "(SPSS); unchanged children dropped"),
             score(before), score(after)),
            (("score 0-5 with cut-points halved", "(SPSS)"),
             score(before, [b / 2 for b in BOUNDS]), score(after, [b / 2 for b in BOUNDS])),
            (("seizures per 28 days: Wilcoxon", "(SPSS)"), before, after),
            (("log(1 + seizures per 28 days): Wilcoxon", "(SPSS)"), np.log1p(before),
             np.log1p(after))]:
        found = row(curve, *words, "every child")
        assert found["p_value"] == pytest.approx(spss(x, y), rel=1e-9), words
        assert found["method"] == "asymptotic"
    corrected = row(curve, "score 0-5 (cut", "with continuity correction; unchanged children "
                                             "dropped")
    assert corrected["p_value"] == pytest.approx(spss(score(before), score(after), True))
    exact = row(curve, "score 0-5 (cut", "exact conditional", "unchanged children dropped")
    assert exact["method"] == "exact"
    assert exact["p_value"] == pytest.approx(enumerated_signed_rank_p(score(after)
                                                                      - score(before)))
    sign = row(curve, "score 0-5 (cut", "sign test")
    up, down = int((score(after) > score(before)).sum()), int((score(after) < score(before))
                                                              .sum())
    assert sign["p_value"] == pytest.approx(stats.binomtest(up, up + down, 0.5).pvalue)
    # the highest tenth of the cohort's baselines left out
    high = np.quantile(cohort["baseline_seizures_per_month"], 0.9)
    keep = before <= high
    found = row(curve, "score 0-5 (cut", "(SPSS)", "above the cohort's 90th centile")
    assert found["p_value"] == pytest.approx(spss(score(before[keep]), score(after[keep])))


def test_holm_corrects_for_each_type_tested(curve, cohort):
    p = [spss(score(b), score(a)) for b, a in (columns(cohort, k) for k in SEIZURE_TYPES)]
    adjusted = dict(zip(SEIZURE_TYPES, multipletests(p, method="holm")[1], strict=True))
    reference = row(curve, "score 0-5 (cut", "(SPSS); unchanged children dropped",
                    "every child")
    assert reference["p_holm"] == pytest.approx(adjusted[GROUP], rel=1e-9)
    assert reference["holm_groups"] == 3
    assert reference["p_holm"] == pytest.approx(0.056, abs=0.001)  # FACTS 5: 0.057 from 0.019


def test_placebo_rows_match_binomtest(curve, cohort):
    general = cohort[cohort["seizure_type"].astype(str) == GROUP]
    fall = 1 - general["month12_seizures_per_month"] / general["baseline_seizures_per_month"]
    for threshold in (0.3, 0.5, 0.75):
        events = int((fall >= threshold - 1e-9).sum())
        found = row(curve, f"at least {threshold:.0%} fewer seizures) against placebo",
                    "children analysed")
        assert (found["events"], found["n"]) == (events, len(general))
        assert found["p_value"] == pytest.approx(stats.binomtest(
            events, len(general), 0.19, alternative="greater").pvalue, rel=1e-9)
    # the study's attrition: 74 for 60 children, 5 more generalized non-responders
    itt = row(curve, "at least 50% fewer", "74 in all")
    assert itt["n"] == len(general) + 5
    assert itt["p_value"] == pytest.approx(stats.binomtest(
        int((fall >= 0.5).sum()), len(general) + 5, 0.19, alternative="greater").pvalue)


def test_between_type_rows_match_fisher_and_mann_whitney(curve, cohort):
    kinds = cohort["seizure_type"].astype(str)
    fall = 1 - cohort["month12_seizures_per_month"] / cohort["baseline_seizures_per_month"]
    responder, mine = (fall >= 0.5 - 1e-9), kinds == GROUP
    table = [[int((responder & mine).sum()), int((~responder & mine).sum())],
             [int((responder & ~mine).sum()), int((~responder & ~mine).sum())]]
    found = row(curve, "at least 50% fewer seizures), generalized against", "Fisher")
    assert found["method"] == "exact" and np.isnan(found["p_holm"])
    assert found["p_value"] == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)
    change = (score(cohort["month12_seizures_per_month"])
              - score(cohort["baseline_seizures_per_month"]))
    found = row(curve, "change in the 0-5 score, generalized against", "Mann-Whitney")
    assert found["method"] == "asymptotic"  # scores tie
    assert found["p_value"] == pytest.approx(stats.mannwhitneyu(
        change[mine.to_numpy()], change[~mine.to_numpy()], method="asymptotic").pvalue)


# --- each family's spread, recounted --------------------------------------------------------------

@pytest.mark.parametrize("seed, missing", [(5, 0.3), (11, 0.0)])
def test_each_familys_share_and_spread_recounted_by_hand(seed, missing):
    table = make_cohort(50, missing_followup_share=missing, seed=seed)
    curve = ap.specification_curve(table, alpha=0.05)
    families = ap.specification_families(curve, 0.05).set_index("family")
    found = ap.appraisal_results(table, n_permutations=99, n_cohorts=100)
    assert list(families.index) == list(fragility.FAMILIES)
    for family, summary in families.iterrows():
        members = [r for _, r in curve.iterrows() if family in r["families"].split("; ")]
        p = [r["p_value"] for r in members if r["testable"]]
        below = sum(x < 0.05 for x in p)
        assert summary["analyses"] == len(members)
        assert summary["below_alpha"] == below
        assert summary["share"] == pytest.approx(below / len(p))
        assert ap.specification_share(curve, family=family) == pytest.approx(below / len(p))
        assert (summary["p_min"], summary["p_max"]) == (min(p), max(p))
        assert found["specification_share_by_family"][family] == pytest.approx(below / len(p))
        assert found["specification_families"][family]["p_max"] == pytest.approx(max(p))
        if summary["question"] == fragility.BETWEEN:
            assert summary["holm_groups"] == 0 and pd.isna(summary["p_holm_min"])
        else:
            holm = [r["p_holm"] for r in members if r["testable"]]
            assert summary["holm_below_alpha"] == sum(x < 0.05 for x in holm)
            assert summary["p_holm_max"] == max(holm)
    assert found["specification_count"] == len(curve)


# --- disclosure control and the words -------------------------------------------------------------

def test_with_disclosure_control_on_the_multiverse_is_withheld_whole():
    table = make_cohort(40, seed=7, missing_followup_share=0.1)
    found = ap.appraisal_results(table, min_cell_count=5, n_permutations=99, n_cohorts=100)
    assert found["specification_share_significant"] == "suppressed"
    assert found["specification_count"] == "suppressed"
    assert set(found["specification_share_by_family"].values()) == {"suppressed"}
    assert set(found["specification_families"].values()) == {"suppressed"}
    release = build_release(load_cohort(BUNDLED_COHORT), min_cell_count=5)
    assert release.table("specifications").empty
    assert release.table("specification_families").empty
    text = narrative_appraisal.appraisal_story(release.appraisal)
    assert "withheld with disclosure control on" in text and "distinct analys" not in text


def test_the_words_give_each_family_its_spread_and_never_one_pooled_share(cohort):
    found = ap.appraisal_results(cohort, n_permutations=99, n_cohorts=100)
    lines = narrative_appraisal.appraisal_story(found).splitlines()
    start = next(i for i, line in enumerate(lines) if "How fragile" in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("- "))
    paragraph = lines[start:end]
    assert len(paragraph) == 1 + 1 + 4 + 2  # the lead, the within heading and 6 families
    assert not any("%" in line for line in paragraph[:1])  # no pooled share
    families = found["specification_families"]
    test = next(line for line in paragraph if line.strip().startswith("- Which test"))
    assert f"{families['test']['analyses']} distinct analyses" in test
    assert (f"p from {narrative.p_text(families['test']['p_min'])} to "
            f"{narrative.p_text(families['test']['p_max'])}") in test
    missing = next(line for line in paragraph if "missing one-year visit" in line)
    assert "every choice of this family gives the same test (1 distinct analysis)" in missing
    between = next(line for line in paragraph if "against the other seizure types" in line)
    assert "Holm" not in between


def test_a_cohort_without_the_group_says_nothing_could_be_tested():
    table = make_cohort(20, mix={"focal": 12, "both": 8}, seed=3)
    curve = ap.specification_curve(table)
    within = curve[curve["question"] == fragility.WITHIN]
    assert not within["testable"].any()
    assert within["note"].str.startswith("no generalized children").all()
    found = ap.appraisal_results(table, n_permutations=99, n_cohorts=100)
    text = narrative_appraisal.appraisal_story(found)
    assert "- Which test of the score change: no analysis could be tested" in text


@pytest.mark.parametrize("p, says", [(0.0499, "p = 0.0499 (exact), below 0.05"),
                                     (0.0501, "p = 0.0501 (exact), not below 0.05"),
                                     (0.05, "p = 0.05 (exact), not below 0.05")])
def test_a_p_value_near_alpha_never_prints_as_alpha_on_the_wrong_side(p, says):
    family = {"question": fragility.WITHIN, "analyses": 1, "testable": 1,
              "below_alpha": int(p < 0.05), "p_min": p, "p_max": p, "p_reference": p,
              "methods": "exact", "holm_groups": 1, "holm_below_alpha": int(p < 0.05),
              "p_holm_min": p, "p_holm_max": p}
    text = narrative_appraisal.appraisal_story({"alpha": 0.05,
                                      "specification_families": {"test": family}})
    assert says in text
    assert "only one seizure type could be tested, so Holm's correction changes nothing" in text
    wide = {**family, "analyses": 3, "testable": 3, "below_alpha": 1, "p_min": 0.0499,
            "p_max": 0.2, "holm_groups": 0}
    text = narrative_appraisal.appraisal_story({"alpha": 0.05,
                                      "specification_families": {"test": wide}})
    assert "3 distinct analyses, 1 below 0.05, p from 0.0499 to 0.2 (exact)." in text

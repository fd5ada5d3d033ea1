"""The pages never state the study's numbers as this cohort's, and say how this run was made.

The collection runs on generated cohorts unlike the published one and with other parameters. Text
outside the cells tagged ``study-claim`` (the study's own words, quoted) and outside tables (the
scorecard's published column) must not give the study's numbers as these data's.
"""

import re

import pytest
from bs4 import BeautifulSoup

from ivig_helpers import make_cohort

from .conftest import CONTROLLED_PARAMS, TEACHER_PARAMS

STUDY_CLAIMS = [r"\bp\s*=\s*0\.019\b", r"\b(60|22|23|15) (children|patients)\b", r"\b15 to 23\b",
                r"default `?responder_threshold`? of 0\.5", r"(?<![-\d.])36\.7%",
                r"\b8 of (those )?22\b"]
RUNS = {  # the shared reports of conftest, each with its parameters
    "37 children, threshold 0.75, disclosure control": ("controlled_report", CONTROLLED_PARAMS),
    "44 children, missing follow-up excluded, alpha 0.1, threshold 1.0": ("teacher_report",
                                                                          TEACHER_PARAMS),
}


@pytest.fixture(scope="module", params=list(RUNS), ids=list(RUNS))
def report(request):
    fixture, params = RUNS[request.param]
    return request.getfixturevalue(fixture), params


def readable_text(page):
    soup = BeautifulSoup(page.read_text(), "html.parser")
    for element in soup.select('[class*="celltag_study-claim"]'):
        element.decompose()
    for element in soup.find_all(["table", "script", "style"]):
        element.decompose()
    return " ".join(soup.get_text(" ").split())


def test_no_page_states_the_study_numbers_as_these_data(report):
    out, _ = report
    pages = sorted(out.glob("*.html"))
    assert len(pages) >= 6
    for page in pages:
        text = readable_text(page)
        for pattern in STUDY_CLAIMS:
            found = re.search(pattern, text)
            assert found is None, f"{page.name}: ...{text[max(0, found.start() - 80):found.end()]}"


def test_every_notebook_page_states_the_parameters_of_its_run(report):
    out, params = report
    for page in sorted(out.glob("0*.html")):
        text = readable_text(page)
        assert "This run:" in text, page.name
        if "responder_threshold=0.75" in params:
            assert "at least 75% fewer seizures (the study used 50%" in text, page.name
        if "responder_threshold=1.0" in params:
            assert "at least 100% fewer seizures (the study used 50%" in text, page.name
        if "alpha=0.1" in params:
            assert "alpha = 0.1 (changed from the default 0.05), intervals at 90%" in text
            assert "95% CI" not in text, page.name  # every interval follows alpha
        if "missing_followup=exclude" in params:
            assert "left out of every analysis (changed from the default" in text, page.name


def test_the_seizure_type_page_reports_its_own_tests(report):
    out, _ = report
    text = readable_text(out / "03_seizure_types.html")
    assert "In these data:" in text and "Wilcoxon signed-rank test, asymptotic" in text
    assert re.search(r"seizure-type groups sized (\d+|fewer than \d+) to \d+", text)


# Sentences written from withheld or disagreeing numbers, on results made up for the purpose.

def test_withheld_within_group_tests_are_not_read_as_no_change():
    from ivig_helpers import narrative

    results = {"subgroup_wilcoxon_p": {"focal": "suppressed", "generalized": 0.02,
                                       "both": None},
               "seizure_type_vs_responder_p": "suppressed",
               "seizure_type_counts": {"focal": 25, "generalized": 20, "both": 0}}
    text = narrative.subgroups_shows(results, 0.05)
    assert "in no seizure type" not in text
    assert "generalized seizures whose test is shown" in text
    assert "withheld by disclosure control: focal seizures" in text


def test_the_appraisal_says_when_the_score_and_the_responder_tests_disagree():
    from ivig_helpers import narrative_appraisal

    appraisal = {"alpha": 0.01, "holm_p": {}, "holm_raw_p": {}, "interaction_p": 0.207,
                 "interaction_tests": {"kruskal_score_change": 0.004},
                 "methods": {"interaction_p": "exact"}, "rct_n_per_arm_80": None}
    text = narrative_appraisal.appraisal_story(appraisal)
    assert "p = 0.207" in text and "not below alpha" in text
    assert "Kruskal-Wallis test, asymptotic" in text and "p = 0.004" in text
    assert "on the score the types do differ" in text
    appraisal["interaction_tests"]["kruskal_score_change"] = 0.5  # they agree: no sentence
    assert "Kruskal-Wallis" not in narrative_appraisal.appraisal_story(appraisal)


def test_exercise_two_counts_responders_with_the_runs_threshold():
    """A teacher's run at 30% must not answer exercise 2 with the 50% definition."""
    from ivig_helpers import exercises

    table = make_cohort(80, missing_followup_share=0.1, seed=12)
    followed = table["month12_seizures_per_month"].notna()
    fall = 1 - table["month12_seizures_per_month"] / table["baseline_seizures_per_month"]
    choices, own = exercises.missing_followup_choice(table, 0.3)
    assert own
    counted, left_out = choices.iloc[0], choices.iloc[1]
    assert counted["events"] == left_out["events"] == int((followed & (fall >= 0.3)).sum())
    assert (counted["n"], left_out["n"]) == (80, int(followed.sum()))


def test_every_within_group_test_withheld_says_so_and_the_appraisal_warns_of_rounded_counts():
    from ivig_helpers import narrative, narrative_appraisal

    results = {"subgroup_wilcoxon_p": dict.fromkeys(("focal", "generalized", "both"),
                                                    "suppressed"),
               "seizure_type_vs_responder_p": "suppressed",
               "seizure_type_counts": {"focal": 25, "generalized": "<5", "both": 15}}
    text = narrative.subgroups_shows(results, 0.05)
    assert "no within-group test here" in text and "finds a change" not in text
    appraisal = {"alpha": 0.05, "holm_p": {}, "holm_raw_p": {}, "interaction_p": "suppressed",
                 "placebo_binomial_p": 0.005, "methods": {}, "rct_n_per_arm_80": None}
    assert "rounded counts" not in narrative_appraisal.appraisal_story(appraisal)
    appraisal["min_cell_count"] = 5
    assert "come from the rounded counts" in narrative_appraisal.appraisal_story(appraisal)


def test_a_withheld_comparison_of_types_is_one_plain_sentence():
    from ivig_helpers import narrative_appraisal

    appraisal = {"alpha": 0.05, "holm_p": {}, "holm_raw_p": {}, "interaction_p": "suppressed",
                 "methods": {"interaction_p": "exact"}, "rct_n_per_arm_80": None}
    first = narrative_appraisal.appraisal_story(appraisal).splitlines()[0]
    assert "is withheld by disclosure control" in first and "p not shown" not in first

"""The exercises a student does (notebook 7), their checks, the worked answers (notebook 8), and
a student's report without answers (``run --without-answers``).

Every check is tested against an independent value: the exact interval against statsmodels'
``proportion_confint(method="beta")``, the rates of exercise 2 against pandas on the generated
file's own rows, Holm's correction against statsmodels' ``multipletests``, Newcombe's interval
against statsmodels' ``confint_proportions_2indep(method="newcomb")``.
"""

import contextlib
import io
import json
import re

import nbformat
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from ivig_helpers import BUNDLED_COHORT, exercises, load_cohort, make_cohort
from ivig_helpers.app.runner import ANSWERS_NOTEBOOK, NOTEBOOKS_DIR, report_notebooks
from ivig_helpers.release import build_release

from .conftest import BUNDLED, cli_in_process, run_cli

EXERCISES_NB = NOTEBOOKS_DIR / "07_exercises.ipynb"
ANSWERS_NB = NOTEBOOKS_DIR / ANSWERS_NOTEBOOK


@pytest.fixture(scope="module")
def bundled():
    return build_release(load_cohort(BUNDLED_COHORT))


@pytest.fixture(scope="module")
def release_of():
    """The release of a generated cohort with these parameters, built once for this module
    (several tests read the same one)."""
    from ivig_helpers.contract import cohort_from_bytes

    made = {}

    def release(n, seed, missing_followup_share=0.0, **params):
        key = (n, seed, missing_followup_share, tuple(sorted(params.items())))
        if key not in made:
            cohort = make_cohort(n, missing_followup_share=missing_followup_share, seed=seed)
            made[key] = build_release(cohort_from_bytes(cohort.to_csv(index=False).encode(),
                                                        "c.csv"), **params)
        return made[key]

    return release


def _worked_answers(release) -> dict:
    """The worked code of notebook 8, run on ``release``: the answer of each exercise."""
    cells = nbformat.read(ANSWERS_NB, as_version=4).cells
    names = {"release": release, "results": release.results, "pd": pd,
             "alpha": release.results["alpha"]}
    found, number = {}, None
    for cell in cells:
        heading = re.match(r"## Exercise (\d)", cell.source)
        if heading:
            number = int(heading.group(1))
        if cell.cell_type == "code" and "answer = " in cell.source:
            exec(cell.source, names)  # noqa: S102 - the notebook's own code
            found[number] = names["answer"]
    return found


def _says(number, answer, release) -> str:
    status, message = exercises.verdict(number, answer, release)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exercises.check(number, answer, release)
    assert printed.getvalue() == f"{status}: {message}\n"
    return status


# --- the checks, against independent values -----------------------------------------------------

def test_the_worked_answers_are_right_and_agree_with_statsmodels(bundled):
    answers = _worked_answers(bundled)
    assert sorted(answers) == [1, 2, 3, 4]
    for number, answer in answers.items():
        assert _says(number, answer, bundled) == "Right", number
    cohort = pd.read_csv(BUNDLED)
    fall = cohort["month12_seizures_per_month"] / cohort["baseline_seizures_per_month"]
    strict = int((fall <= 0.25 + 1e-9).sum())  # at least 75% fewer seizures
    assert answers[1] == pytest.approx(proportion_confint(strict, 60, 0.05, "beta"), abs=1e-9)
    raw = bundled.results["subgroup_wilcoxon_p"]
    adjusted = multipletests([raw[k] for k in raw], method="holm")[1]
    assert answers[3] == pytest.approx(adjusted[list(raw).index("generalized")])
    assert answers[3] == pytest.approx(0.056, abs=5e-4)  # FACTS.md: Holm-corrected 0.056
    # Newcombe's interval of 11/22 generalized against 6/23 focal responders
    assert answers[4] == pytest.approx(confint_proportions_2indep(
        11, 22, 6, 23, method="newcomb", compare="diff"), abs=1e-12)


def test_exercise_two_on_the_bundled_run_uses_the_variant_that_synthesize_writes(
        bundled, tmp_path, capsys):
    path = tmp_path / "variant.csv"
    command = exercises.VARIANT_COMMAND.split()
    assert command[:3] == ["python", "-m", "ivig_helpers"]
    done = cli_in_process(capsys, *command[3:-1], path)
    assert done.returncode == 0 and "(6 without one-year follow-up)" in done.stdout
    rows = pd.read_csv(path)
    followed = rows["month12_seizures_per_month"].notna()
    responders = int((rows["month12_seizures_per_month"]
                      <= 0.5 * rows["baseline_seizures_per_month"] + 1e-9).sum())
    counts = bundled.table("exercise_2_counts").iloc[0]
    assert not bundled.texts["exercise_2_own_cohort"]
    assert [counts["children"], counts["followed"], counts["responders"]] == [
        len(rows), int(followed.sum()), responders] == [60, 54, 19]
    answer = _worked_answers(bundled)[2]
    assert answer == pytest.approx((19 / 60, 19 / 54, 25 / 60))
    # a run on the variant file answers exercise 2 from its own counts: the same numbers
    own = build_release(load_cohort(path))
    assert own.texts["exercise_2_own_cohort"]
    assert own.table("exercise_2_counts")[["children", "followed", "responders"]].values.tolist() \
        == [[60, 54, 19]]
    assert _says(2, answer, own) == "Right"


@pytest.mark.parametrize("args, words", [
    (["--missing-followup", "0.1"], "needs --n"),
    (["--n", "20", "--missing-followup", "1.5"], "from 0 to 1")])
def test_synthesize_refuses_a_missing_share_it_cannot_make(tmp_path, capsys, args, words):
    done = cli_in_process(capsys, "synthesize", *args, "--out", tmp_path / "x.csv")
    assert done.returncode == 2 and words in done.stderr
    assert not (tmp_path / "x.csv").exists()


def test_wrong_answers_get_a_hint_that_does_not_give_the_answer(bundled):
    sweep = bundled.table("sweep").set_index("threshold")
    answers = _worked_answers(bundled)
    wilson = (sweep.loc[0.75, "wilson_low"], sweep.loc[0.75, "wilson_high"])
    study = (sweep.loc[0.5, "exact_low"], sweep.loc[0.5, "exact_high"])
    counted, left_out, every = answers[2]
    raw_p = bundled.results["subgroup_wilcoxon_p"]["generalized"]
    low, high = answers[4]
    wrong = [(1, wilson, "Wilson"), (1, study, "study's 50%"), (1, (0.1, 0.3), "binomtest"),
             (1, tuple(100 * v for v in answers[1]), "proportions between 0 and 1"),
             (1, answers[1][0], "two numbers"), (1, "0.1, 0.3", "should be two numbers"),
             (2, (left_out, counted, every), "swapped"),
             (2, (counted, left_out, counted), "third rate"),
             (3, raw_p, "uncorrected"), (3, 0.2, "multipletests"),
             (4, (-high, -low), "sign"), (4, (low, high + 0.01), "newcomb"),
             (4, ..., "replace the `...`"), (3, None, "replace the `...`")]
    shown = [f"{v:.3f}" for v in (*answers[1], *answers[2], answers[3], *answers[4])]
    shown += [f"{100 * v:.1f}" for v in (*answers[1], *answers[2], answers[3], *answers[4])]
    for number, answer, words in wrong:
        status, message = exercises.verdict(number, answer, bundled)
        assert status == "Not yet" and words in message, (number, answer, message)
        assert not any(value in message for value in shown), message


class _Stub:
    """A release's p-values alone, for the check of exercise 3."""

    def __init__(self, raw: dict, corrected: dict, min_cell_count: int = 0):
        self.results = {"subgroup_wilcoxon_p": raw, "holm_p": corrected}
        self.min_cell_count = min_cell_count


def test_bonferroni_is_told_apart_from_holm_when_they_differ():
    raw = {"focal": 0.01, "generalized": 0.02, "both": 0.5}  # generalized not the smallest
    holm = multipletests(list(raw.values()), method="holm")[1]
    stub = _Stub(raw, dict(zip(raw, holm, strict=True)))
    assert exercises.verdict(3, holm[1], stub)[0] == "Right"
    assert "Bonferroni" in exercises.verdict(3, 3 * 0.02, stub)[1]


def test_with_rounded_p_values_holm_of_the_released_or_the_true_ones_is_right():
    """Disclosure control releases p-values to one significant digit: Holm's correction of the
    released values (statsmodels) and of the true ones both pass; the uncorrected one does not."""
    true = {"focal": 0.0701822587403976, "generalized": 0.018576138992956497,
            "both": 0.2355589199240795}
    shown = {k: float(f"{p:.1g}") for k, p in true.items()}
    true_holm = multipletests(list(true.values()), method="holm")[1][1]
    stub = _Stub(shown, {"generalized": float(f"{true_holm:.1g}")}, min_cell_count=5)
    assert exercises.verdict(3, multipletests(list(shown.values()), method="holm")[1][1],
                             stub)[0] == "Right"
    assert exercises.verdict(3, true_holm, stub)[0] == "Right"
    assert "uncorrected" in exercises.verdict(3, shown["generalized"], stub)[1]
    withheld = _Stub({**shown, "both": "<0.001"}, {"generalized": 0.06}, min_cell_count=5)
    assert exercises.verdict(3, 0.06, withheld)[0] == "Nothing to check on this run"


@pytest.mark.parametrize("n, seed", [(80, 3), (37, 3), (15, 2)])
def test_with_disclosure_control_the_checks_use_only_released_numbers(n, seed, release_of):
    """min_cell_count=5: the worked answers, computed from the released (rounded) counts and
    p-values, are right, or the check says there is nothing to check and why (a hidden count)."""
    release = release_of(n, seed, missing_followup_share=0.1, min_cell_count=5)
    assert release.texts["exercise_2_own_cohort"]
    answers = _worked_answers(release)
    statuses = {number: _says(number, answer, release) for number, answer in answers.items()}
    for number, status in statuses.items():
        expected = "Nothing to check on this run" if isinstance(
            exercises._reference(number, release), str) else "Right"
        assert status == expected, (number, exercises.verdict(number, answers[number], release))
        if status != "Right":
            assert "hidden" in exercises.verdict(number, answers[number], release)[1] or \
                "withheld" in exercises.verdict(number, answers[number], release)[1]
    if n == 80:  # large enough for the checks of counts
        assert [statuses[k] for k in (1, 2, 4)] == ["Right"] * 3
        by_type = release.results["responder_rate_by_type"]
        g, f = by_type["generalized"], by_type["focal"]
        assert answers[4] == pytest.approx(confint_proportions_2indep(
            g["responders"], g["n"], f["responders"], f["n"], method="newcomb"), abs=1e-12)
    if n == 15:  # too small: the counts of exercise 1 are hidden
        assert statuses[1] == "Nothing to check on this run"


# --- the notebooks ---------------------------------------------------------------------------

def _run_cells(path, data_path, **params) -> str:
    """Every code cell of a notebook, run in this process with its parameters set: what it
    prints."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    names = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for cell in cells:
            exec(cell.source, names)  # noqa: S102
            if "parameters" in cell.metadata.get("tags", []):
                names.update(data_path=str(data_path), **params)
    return printed.getvalue()


@pytest.mark.parametrize("cohort, params", [
    (None, {}), (dict(n=80, missing_followup_share=0.1, seed=3), {"min_cell_count": 5}),
    (dict(n=15, seed=2), {"min_cell_count": 5, "missing_followup": "exclude"})])
def test_the_exercise_notebook_runs_with_its_placeholders_and_says_not_yet(
        tmp_path, cohort, params, bundled, release_of):
    # both notebooks read the release, as the runner gives it to them (nbval runs them on the
    # bundled cohort's file, as a student opening them in JupyterLab does)
    release = bundled if cohort is None else release_of(**cohort, **params)
    data = release.save(tmp_path)
    said = _run_cells(EXERCISES_NB, data, **params)
    checks = [line for line in said.splitlines()
              if line.startswith(("Right", "Not yet", "Nothing to check"))]
    assert len(checks) == 4
    assert all(line.startswith(("Not yet: replace the `...`", "Nothing to check")) for line in
               checks), checks
    answers = _run_cells(ANSWERS_NB, data, **params)
    assert "Not yet" not in answers


def test_the_committed_exercise_notebook_has_a_placeholder_and_a_check_per_exercise():
    code = [c.source for c in nbformat.read(EXERCISES_NB, as_version=4).cells
            if c.cell_type == "code"]
    for number in (1, 2, 3, 4):
        assert f"# Exercise {number}: your code here\nanswer = ...  # your code here" in code
        check = next(c for c in code if f"exercises.check({number}, answer, release)" in c)
        outputs = [c for c in nbformat.read(EXERCISES_NB, as_version=4).cells
                   if c.cell_type == "code" and c.source == check][0].outputs
        assert outputs[0]["text"].startswith("Not yet: replace the `...`")


def test_the_answers_notebook_shows_the_code_it_runs_and_asks_the_same_questions():
    answers = nbformat.read(ANSWERS_NB, as_version=4).cells
    asked = {c.source for c in nbformat.read(EXERCISES_NB, as_version=4).cells
             if c.source.startswith("## Exercise")}
    questions = [c.source for c in answers if c.source.startswith("## Exercise")]
    assert len(questions) == 4 and set(questions) == asked
    for shown, ran in zip(answers, answers[1:], strict=False):
        if shown.cell_type == "markdown" and shown.source.startswith("**Worked code.**"):
            block = re.search(r"```python\n(.*)\n```", shown.source, re.DOTALL).group(1)
            assert ran.cell_type == "code" and ran.source == block


# --- a student's report --------------------------------------------------------------------

def test_a_release_without_answers_holds_none(bundled, tmp_path):
    student = build_release(load_cohort(BUNDLED_COHORT), answers=False)
    assert not set(exercises.ANSWER_TABLES) & set(student.tables)
    assert set(exercises.ANSWER_TABLES) <= set(bundled.tables)
    assert student.meta["answers"] is False and bundled.meta["answers"] is True
    path = student.save(tmp_path)
    assert ANSWERS_NB not in report_notebooks(path)
    assert ANSWERS_NB in report_notebooks(bundled.save(tmp_path))


@pytest.fixture(scope="module")
def student_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("student") / "report"
    done = run_cli("run", "--data", BUNDLED, "--out", out, "--without-answers")
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def test_without_answers_the_report_holds_no_answer(student_report, bundled):
    out, said = student_report
    assert "A student's report (--without-answers)" in said
    assert "Running 7 notebooks" in said
    files = sorted(p for p in out.iterdir() if p.is_file())
    assert not [p for p in files if p.stem == "08_answers"]
    assert (out / "07_exercises.html").is_file()
    release = json.loads((out / "release.json").read_text())
    assert not set(exercises.ANSWER_TABLES) & set(release["tables"])
    # the answers' sentences, as the answers page writes them on this cohort
    sentences = [exercises.answer_words(1, bundled.table("exercise_1")),
                 exercises.answer_words(2, bundled.table("exercise_2")),
                 exercises.answer_words(4, bundled.table("exercise_4"))]
    fragments = [part.strip() for sentence in sentences
                 for part in sentence.replace("**Answer.**", "").split(":") if len(part) > 25]
    assert len(fragments) >= 6
    for path in files:
        if path.suffix == ".png":
            continue
        text = path.read_text(encoding="utf-8")
        assert "08_answers" not in text, path.name
        assert "**Answer.**" not in text and "<strong>Answer.</strong>" not in text, path.name
        assert not [f for f in fragments if f in text], path.name
        # exercise 2's bounds on the variant cohort (31.7% to 41.7%) and 19 of 54 left out
        assert "41.7%" not in text and "19 of 54" not in text, path.name
    page = (out / "07_exercises.html").read_text()
    assert page.count("Not yet: replace the `...`") == 4
    assert "Next:" not in page  # the last page of a student's report


def test_the_answers_page_of_a_full_report_works_every_exercise(bundled_report):
    page = (bundled_report / "08_answers.html").read_text()
    assert page.count("Right: ") == 4 and "Not yet" not in page
    assert "binomtest" in page and "multipletests" in page  # the worked code, shown as text
    assert "between 31.7% and 41.7%" in page
    assert f"19 of 54 ({100 * 19 / 54:.1f}%)" in page and "19 of 60 (31.7%)" in page

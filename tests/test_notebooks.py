"""The notebooks: run by papermill on the bundled cohort, checked against the published numbers.

nbval re-executes the committed notebooks as part of `make test` too (see pyproject.toml); the
cells marked NBVAL_CHECK_OUTPUT print the headline numbers and must print them unchanged.
"""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from ivig_helpers import compute_results, load_cohort, scorecard
from ivig_helpers.app import folder
from ivig_helpers.app.runner import notebook_paths
from ivig_helpers.parameters import PARAMETERS

from .conftest import BUNDLED, TARGETS, run_cli

NOTEBOOKS = notebook_paths()
FIGURES = ["01_age", "02_waterfall", "02_course", "02_thresholds", "03_responders_by_type",
           "03_scores_by_type", "04_asm_change", "06_specifications", "06_benchmarks",
           "06_evidence", "06_power"]


@pytest.fixture(scope="module")
def published():
    return pd.read_csv(TARGETS).set_index("quantity")["published"]


def test_collection_reads_as_a_table_of_contents():
    assert [p.name for p in NOTEBOOKS] == ["01_cohort.ipynb", "02_responders.ipynb",
                                          "03_seizure_types.ipynb", "04_medications.ipynb",
                                          "05_scorecard.ipynb", "06_appraisal.ipynb",
                                          "07_exercises.ipynb", "08_answers.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_are_the_documented_ones(path):
    found = papermill.inspect_notebook(str(path))
    assert list(found) == [p.name for p in PARAMETERS]
    for parameter in PARAMETERS:
        assert found[parameter.name]["inferred_type_name"] == parameter.type.__name__
        assert found[parameter.name]["help"] == parameter.help
        assert eval(found[parameter.name]["default"]) == parameter.default  # a plain literal


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_is_executed_clean_and_says_synthetic(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    # committed as run on the bundled cohort, and saying so where the run's facts are shown;
    # the fixed text describes no file, since another centre's run shows the same text
    opened = next(c for c in code if "open_notebook(" in c.source)
    facts = "".join(str(o.get("data", {}).get("text/markdown", "")) for o in opened.outputs)
    assert "made-up children (synthetic)" in facts
    assert not any("synthetic_cohort.csv" in c.source for c in notebook.cells
                   if c.cell_type == "markdown")
    assert "What this shows, and what it cannot" in "".join(
        c.source for c in notebook.cells if c.cell_type == "markdown")
    assert not any("def " in c.source for c in code)  # computation lives in ivig_helpers


def test_results_json_matches_published_numbers(bundled_report, published):
    results = json.loads((bundled_report / "results.json").read_text())
    assert results["n_patients"] == published["n_patients"]
    assert results["seizure_type_counts"] == {"focal": 23, "generalized": 22, "both": 15}
    assert round(results["age_mean"], 1) == published["age_mean"]
    assert round(results["age_sd"], 2) == published["age_sd"]
    assert results["responders"] == published["responders"]
    assert round(100 * results["responder_rate"], 1) == published["responder_percent"]
    assert [round(100 * x, 1) for x in results["responder_rate_ci"]] == [24.6, 50.1]
    assert results["seizure_free"] == published["seizure_free"]
    assert results["missing_followup"] == 0
    p = results["subgroup_wilcoxon_p"]
    assert round(p["generalized"], 3) == published["generalized_wilcoxon_p"]
    assert p["focal"] >= published["focal_wilcoxon_p"] and p["both"] >= published["both_wilcoxon_p"]
    assert results["data_file"] == "synthetic_cohort.csv" and results["bundled_synthetic_cohort"]


def test_scorecard_csv_matches_every_published_number(bundled_report, published):
    card = pd.read_csv(bundled_report / "scorecard.csv")
    assert card.columns.tolist() == ["quantity", "description", "published", "reproduced",
                                     "match", "ci_low", "ci_high", "published_inside_ci", "source"]
    assert card["quantity"].tolist() == published.index.tolist()
    assert card["description"].tolist() == pd.read_csv(TARGETS)["description"].tolist()
    assert card["match"].all()


def test_report_holds_notebooks_html_without_code_and_figures(bundled_report):
    for notebook in NOTEBOOKS:
        assert (bundled_report / notebook.name).is_file()
        html = (bundled_report / notebook.with_suffix(".html").name).read_text()
        assert "import ivig_helpers" not in html  # no code cells
        assert "data:image/png;base64" in html or notebook.stem in ("05_scorecard",)
    for figure in FIGURES:
        assert (bundled_report / f"{figure}.png").stat().st_size > 5000
    assert (bundled_report / "index.html").is_file()


def test_a_second_run_replaces_its_report_with_identical_results(bundled_report, tmp_path):
    """Two runs give identical results, and a run into the folder of an earlier report replaces
    it; and notebooks side by side (the shared report) give what one after the other gives.
    Also test_own_cohort's run twice into the same folder: one run does for both."""
    out = tmp_path / "report"
    shutil.copytree(bundled_report, out)  # with its manifest: a report this command wrote
    manifest = (out / folder.MANIFEST).read_bytes()
    done = run_cli("run", "--data", BUNDLED, "--out", out, "--jobs", "1")
    assert done.returncode == 0, done.stderr
    # replaced: the new notebooks record when they ran, so the manifest lists other checksums
    assert (out / folder.MANIFEST).read_bytes() != manifest
    assert (out / "results.json").read_bytes() == (bundled_report / "results.json").read_bytes()
    assert (out / "scorecard.csv").read_bytes() == (bundled_report / "scorecard.csv").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["report"]  # no staging folder left beside it


def test_teacher_changes_the_threshold(teacher_report):
    """A teacher's run at a threshold of 100%: the responders are exactly the seizure-free
    children, counted here from the cohort file."""
    table = pd.read_csv(next(teacher_report.parent.glob("*.csv")))
    month12 = table["month12_seizures_per_month"]
    seizure_free = int((month12.notna() & (month12 == 0)).sum())
    assert seizure_free > 0
    results = json.loads((teacher_report / "results.json").read_text())
    assert results["responder_threshold"] == 1.0
    assert results["responders"] == results["seizure_free"] == seizure_free


def test_at_the_strictest_threshold_the_bundled_responders_are_the_published_seizure_free():
    """On the bundled cohort the scorecard matches the published 22 responders at the study's
    50% and no longer at 100%, where the responders are the published 8 seizure-free."""
    cohort = load_cohort(BUNDLED)
    strict = compute_results(cohort.table, responder_threshold=1.0)
    assert strict["responders"] == strict["seizure_free"] == 8  # published: 8 seizure free
    study = compute_results(cohort.table)
    assert scorecard(study).set_index("quantity").loc["responders", "match"]
    assert not scorecard(strict).set_index("quantity").loc["responders", "match"]


def test_make_report_folder_and_notebook_output_folder_do_not_overlap():
    """make report replaces its folder whole, and refuses one that holds anything else: the
    folder the notebooks write to when run by hand (or by nbval) must not be inside it."""
    root = Path(__file__).resolve().parent.parent
    makefile = (root / "Makefile").read_text()
    report = (root / re.search(r"^REPORT_DIR := (\S+)$", makefile, re.M).group(1)).resolve()
    default = next(p.default for p in PARAMETERS if p.name == "output_dir")
    interactive = (root / "notebooks" / default).resolve()
    assert report not in interactive.parents and interactive not in report.parents
    assert report != interactive


def test_results_json_holds_the_appraisal_checked_against_scipy_and_statsmodels(bundled_report):
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    results = json.loads((bundled_report / "results.json").read_text())
    appraisal = results["appraisal"]
    raw = results["subgroup_wilcoxon_p"]
    kinds = list(raw)
    adjusted = multipletests([raw[k] for k in kinds], method="holm")[1]
    assert [appraisal["holm_p"][k] for k in kinds] == pytest.approx(list(adjusted))
    placebo = stats.binomtest(22, 60, 0.19, alternative="greater").pvalue
    assert appraisal["placebo_binomial_p"] == pytest.approx(placebo)
    assert appraisal["rct_n_per_arm_80"] == 97  # FACTS.md: about 97 per arm
    assert 0 < appraisal["null_simulation_share"] < 0.5
    assert appraisal["methods"]["interaction_p"] == "exact"
    assert appraisal["interaction_p"] == pytest.approx(results["seizure_type_vs_responder_p"])


def test_answers_page_works_the_exercises_on_the_data(bundled_report):
    page = (bundled_report / "08_answers.html").read_text()
    cohort = pd.read_csv(BUNDLED)
    fall = cohort["month12_seizures_per_month"] / cohort["baseline_seizures_per_month"]
    strict = int((fall <= 0.25 + 1e-9).sum())  # at least 75% fewer seizures
    assert f"At least 75% fewer seizures: {strict} of 60 children" in page
    assert "As one of the 3 groups tested (Holm's correction): p = 0.056" in page


def test_every_number_of_the_synthetic_cohort_says_where_it_comes_from(bundled_report):
    card = pd.read_csv(bundled_report / "scorecard.csv").set_index("quantity")["source"]
    assert card["responders"] == "published" and card["generalized_wilcoxon_p"] == "published"
    assert card["focal_wilcoxon_p"] == "built in"  # only "not significant" was published
    assert card["asm_fisher_p"] == "assumed"  # the study gave no test statistic
    page = (bundled_report / "03_seizure_types.html").read_text()
    assert "p = 0.019 (below alpha) <em>(published)</em>" in page
    assert "<em>(assumed)</em>" in page  # the test between types rests on assumed counts

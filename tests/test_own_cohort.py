"""Running the collection on another centre's cohort, as a re-runner would.

Malformed files are rejected with exit status 2 and a plain message; the input is never changed;
an earlier report survives a failed run; unusual cohorts run end to end; and no identifier, row or
absolute input path reaches any output.
"""

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from ivig_helpers import make_cohort
from ivig_helpers.app import folder as report_folder
from ivig_helpers.app import runner

from .conftest import BUNDLED, attacked_report, cli_in_process, run_cli

MALFORMED = Path(__file__).parent / "malformed"
EXPECTED = pd.read_csv(MALFORMED / "expected.csv").itertuples(index=False)


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def earlier_report(folder):
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<html></html>")
    (folder / "results.json").write_text('{"from": "an earlier run"}')
    report_folder.write_manifest(folder)  # as every run leaves one: only such a one is replaced
    return digest(folder / "results.json")


@pytest.mark.parametrize("case", list(EXPECTED), ids=lambda case: case.file)
def test_malformed_file_is_rejected_with_status_2_and_a_plain_message(case, tmp_path, capsys):
    data = MALFORMED / case.file
    before = digest(data)
    out = tmp_path / "report"
    kept = earlier_report(out)
    done = cli_in_process(capsys, "run", "--data", data, "--out", out)
    assert done.returncode == 2
    assert case.message in done.stderr
    assert "Traceback" not in done.stderr
    assert digest(data) == before  # the input is never modified
    assert digest(out / "results.json") == kept  # the earlier report is left as it was
    assert list(tmp_path.iterdir()) == [out]  # nothing half-built is left behind


@pytest.mark.parametrize("target, words", [("missing.csv", "was not found"),
                                           (".", "this is a folder")],
                         ids=["missing file", "a folder"])
def test_missing_file_or_folder_is_rejected(target, words, tmp_path, capsys):
    done = cli_in_process(capsys, "validate", "--data", tmp_path / target)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert words in done.stderr


@pytest.mark.parametrize("param, words", [
    ("responder_threshold=half", "must be a float"),
    ("responder_threshold=50", "at most 1"),
    ("missing_followup=drop", "nonresponder"),
    ("colour=blue", "unknown parameter 'colour'"),
    ("data_path=x.csv", "set by --data"),
    ("threshold", "NAME=VALUE"),
])
def test_bad_parameters_are_rejected_before_anything_runs(param, words, tmp_path, capsys):
    done = cli_in_process(capsys, "run", "--data", BUNDLED,
                   "--out", tmp_path / "r", "--param", param)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "r").exists()


def test_parameters_are_typed_by_their_documented_type():
    assert runner.convert_parameter("missing_followup", "007") == "007"  # not the number 7
    typed = runner.parse_parameters(["min_cell_count=007", "alpha=0.01", "seed=3"])
    assert typed == {"min_cell_count": 7, "alpha": 0.01, "seed": 3}
    assert isinstance(typed["alpha"], float) and isinstance(typed["seed"], int)


def test_analysis_failure_exits_1_names_notebook_and_cell_and_keeps_earlier_report(
        tmp_path, monkeypatch, capsys):
    broken = nbformat.v4.new_notebook()
    broken.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
    params = nbformat.v4.new_code_cell('data_path = "x"\noutput_dir = "y"')
    params.metadata["tags"] = ["parameters"]
    broken.cells = [params, nbformat.v4.new_code_cell("# a comment first\n1 / 0")]
    path = tmp_path / "01_broken.ipynb"
    nbformat.write(broken, path)
    monkeypatch.setattr(runner, "notebook_paths", lambda: [path])
    out = tmp_path / "report"
    kept = earlier_report(out)
    data = BUNDLED
    status = runner.run_collection(data, out, [])
    message = capsys.readouterr().err
    assert status == 1
    assert "01_broken.ipynb" in message and "ZeroDivisionError" in message
    # the cell by its execution count in the kept notebook (papermill inserts one) and first line
    assert "cell 3 (1 / 0)" in message
    assert digest(out / "results.json") == kept
    assert (tmp_path / "report.failed" / "01_broken.ipynb").is_file()


# --- whole runs on cohorts unlike the published one ----------------------------------------

def all_output_bytes(folder):
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def html_table_row_counts(folder):
    counts = []
    for path in folder.glob("*.html"):
        for table in re.findall(r"<table.*?</table>", path.read_text(), flags=re.S):
            counts.append(table.count("<tr"))
    return counts


@pytest.fixture(scope="module")
def adult_focal_run(tmp_path_factory):
    """An adult, focal-only cohort of 60 from "another study": distinctive ids, extra and
    missing columns, no 3-month data."""
    folder = tmp_path_factory.mktemp("adult")
    table = make_cohort(60, mix={"focal": 1}, age_range=(19, 70), include_month3=False, seed=5,
                        id_prefix="ZQX-PRIV")
    table = table.drop(columns=["asm_count_baseline", "asm_count_month12", "etiology"])
    table["clinician_note"] = "seen by Dr Example"
    data = folder / "centre_b_adults.csv"
    table.to_csv(data, index=False)
    before = digest(data)
    out = folder / "report"
    done = run_cli("run", "--data", data, "--out", out)
    assert done.returncode == 0, done.stderr
    assert digest(data) == before
    return table, data, out, done


def test_adult_focal_cohort_runs_end_to_end(adult_focal_run):
    _, _, out, done = adult_focal_run
    assert "outside the study's age range" in done.stdout  # a warning, nothing more
    total = len(runner.notebook_paths())  # progress: n of N, in the order notebooks finish
    assert re.search(rf"\[\d+/{total}\] 05_scorecard.ipynb done", done.stdout)
    assert f"[{total}/{total}] " in done.stdout
    results = json.loads((out / "results.json").read_text())
    assert results["seizure_type_counts"] == {"focal": 60, "generalized": 0, "both": 0}
    assert results["subgroup_wilcoxon_p"]["generalized"] is None
    assert results["asm_fisher_p"] is None and not results["bundled_synthetic_cohort"]
    card = pd.read_csv(out / "scorecard.csv").set_index("quantity")
    assert card.loc["n_patients", "published"] == 60  # the published column stays as reference
    assert not card.loc["generalized_n", "match"]
    medications = (out / "04_medications.html").read_text()
    assert "has no ASM counts" in medications  # says so in plain words and skips


def test_no_identifier_row_or_input_path_in_any_output(adult_focal_run):
    table, data, out, _ = adult_focal_run
    outputs = all_output_bytes(out)
    assert len(outputs) > 15
    for path, content in outputs.items():
        assert b"ZQX-PRIV" not in content, path
        assert b"Dr Example" not in content, path
        assert str(data.parent).encode() not in content, path  # only the file name is recorded
    assert max(html_table_row_counts(out)) < len(table) / 2  # summaries only, no row-level table
    recorded = json.loads((out / "02_responders.ipynb").read_text())["metadata"]["papermill"]
    assert recorded["parameters"]["data_path"] == "release.json"  # the notebooks read the release


def test_small_groups_missing_followup_and_small_count_suppression(tmp_path_factory):
    # the attacked cohort with missing follow-up excluded (conftest): a generalized group of one
    out = attacked_report(tmp_path_factory, "exclude")
    table = pd.read_csv(next(out.parent.glob("*.csv")))
    results = json.loads((out / "results.json").read_text())
    missing = int(table["month12_seizures_per_month"].isna().sum())
    assert missing and (table["seizure_type"] == "generalized").sum() == 1
    assert abs(results["n_analysed"] - (len(table) - missing)) <= 2  # released: rounded to 5
    assert results["n_analysed"] % 5 == 0
    assert results["seizure_type_counts"]["generalized"] == "<5"
    assert results["subgroup_wilcoxon_p"]["generalized"] is None  # not testable, no crash
    card = pd.read_csv(out / "scorecard.csv").set_index("quantity")
    assert card.loc["generalized_n", "reproduced"] == "<5"
    assert card.loc["generalized_percent", "reproduced"] == "suppressed"
    for content in all_output_bytes(out).values():
        assert b"ZQX-PRIV" not in content


# Running twice into the same folder gives the same results: see
# test_notebooks.test_a_second_run_replaces_its_report_with_identical_results (one run for both).


def test_a_folder_that_is_not_a_report_is_never_replaced(tmp_path, capsys):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.docx").write_text("months of work")
    data = BUNDLED
    done = cli_in_process(capsys, "run", "--data", data, "--out", precious)
    assert done.returncode == 2 and "not an earlier report" in done.stderr
    assert (precious / "chapter1.docx").read_text() == "months of work"

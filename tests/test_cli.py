"""The command line as a user meets it: exit status, messages, no traceback."""

import subprocess
import sys

from .conftest import BUNDLED, HEADER, run_cli


def test_validate_bundled_cohort():
    done = run_cli("validate", "--data", str(BUNDLED))
    assert done.returncode == 0
    assert "meets the data contract" in done.stdout and "SYNTHETIC" in done.stdout


def test_validate_bad_file_exits_2_with_plain_message(write_csv):
    path = write_csv(f"{HEADER}\nP1,focal,-1,4\n")
    done = run_cli("validate", "--data", str(path))
    assert done.returncode == 2
    assert "row 2, column 'baseline_seizures_per_month'" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_template_writes_header_and_dictionary(tmp_path):
    done = run_cli("template", "--out", str(tmp_path / "mine.csv"))
    assert done.returncode == 0
    header = (tmp_path / "mine.csv").read_text().strip()
    assert header.startswith("patient_id,seizure_type,baseline_seizures_per_month")
    assert "seizures per 28 days" in (tmp_path / "mine_dictionary.csv").read_text()
    again = run_cli("template", "--out", str(tmp_path / "mine.csv"))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_checking_a_file_imports_no_statistics_or_plotting_library():
    # the package imports on first use: `validate` (and every refusal of a bad file) starts
    # in a fraction of the time the notebooks' libraries take to load
    code = ("import sys, runpy; sys.argv = ['ivig_helpers', 'validate', '--data', sys.argv[1]]\n"
            "try:\n    runpy.run_module('ivig_helpers', run_name='__main__')\n"
            "except SystemExit as done:\n    assert done.code == 0, done.code\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'matplotlib', "
            "'seaborn', 'tableone', 'statsmodels', 'papermill', 'nbconvert'}))")
    done = subprocess.run([sys.executable, "-c", code, str(BUNDLED)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_summary_of_a_run_with_disclosure_control_holds_no_exact_small_count(tmp_path):
    from ivig_helpers import load_cohort, make_cohort, write_cohort
    from ivig_helpers.contract import cohort_summary

    table = make_cohort(47, mix={"focal": 25, "generalized": 19, "both": 3},
                        missing_followup_share=0.1, seed=2)
    cohort = load_cohort(write_cohort(table, tmp_path / "centre.csv"))
    exact, shown = cohort_summary(cohort), cohort_summary(cohort, 5)
    assert "patients: 47" in exact and "both 3" in exact
    assert "patients: 45" in shown and "both <5" in shown and "focal 25" in shown
    assert "generalized 20" in shown and "without one-year follow-up: 5" in shown

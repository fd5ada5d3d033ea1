"""One test per rule of the data contract: a file that breaks it names the column and the row."""

import pandas as pd
import pytest

from ivig_helpers import CohortError, load_cohort
from ivig_helpers.contract import COLUMNS

from .conftest import BUNDLED, HEADER, ROOT

GOOD_ROW = "P1,focal,10,4"


def problems_of(path):
    with pytest.raises(CohortError) as caught:
        load_cohort(path)
    return caught.value.problems


@pytest.mark.parametrize("column, row_text, value, rule_words", [
    ("patient_id", ",focal,10,4", "", "blank"),
    ("seizure_type", "P2,absence,10,4", "absence", "one of"),
    ("seizure_type", "P2,,10,4", "", "blank"),
    ("baseline_seizures_per_month", "P2,focal,0,4", "0", "greater than 0"),
    ("baseline_seizures_per_month", "P2,focal,-2,4", "-2", "greater than 0"),
    ("baseline_seizures_per_month", "P2,focal,,4", "", "blank"),
    ("baseline_seizures_per_month", "P2,focal,ten,4", "ten", "number"),
    ("baseline_seizures_per_month", "P2,focal,inf,4", "inf", "finite"),
    ("month12_seizures_per_month", "P2,focal,10,-1", "-1", "0 or more"),
    ("month12_seizures_per_month", "P2,focal,10,few", "few", "number"),
])
def test_required_column_rule_names_column_row_and_value(write_csv, column, row_text, value,
                                                         rule_words):
    path = write_csv(f"{HEADER}\n{GOOD_ROW}\n{row_text}\n")
    [problem] = problems_of(path)
    assert (problem.column, problem.row, problem.value) == (column, 3, value)
    assert rule_words in problem.rule


def test_duplicate_ids_name_both_rows(write_csv):
    path = write_csv(f"{HEADER}\n{GOOD_ROW}\nP2,focal,5,5\n{GOOD_ROW}\n")
    problems = problems_of(path)
    assert [(p.column, p.row) for p in problems] == [("patient_id", 2), ("patient_id", 4)]
    assert all("unique" in p.rule for p in problems)


@pytest.mark.parametrize("extra_header, cell, column, rule_words", [
    ("month3_seizures_per_month", "-0.5", "month3_seizures_per_month", "0 or more"),
    ("age_years", "-1", "age_years", "0 or more"),
    ("age_years", "120", "age_years", "below 120"),
    ("sex", "X", "sex", "F, M"),
    ("asm_count_baseline", "2.5", "asm_count_baseline", "whole"),
    ("asm_count_month12", "-1", "asm_count_month12", "0 or more"),
])
def test_optional_column_rules(write_csv, extra_header, cell, column, rule_words):
    path = write_csv(f"{HEADER},{extra_header}\nP1,focal,10,4,{cell}\n")
    [problem] = problems_of(path)
    assert (problem.column, problem.row, problem.value) == (column, 2, cell)
    assert rule_words in problem.rule


def test_every_problem_is_reported_at_once(write_csv):
    path = write_csv(f"{HEADER}\nP1,odd,-1,x\n,focal,abc,-2\n")
    problems = problems_of(path)
    assert len(problems) == 6
    assert {p.row for p in problems} == {2, 3}


def test_missing_required_columns_are_all_named(write_csv):
    path = write_csv("patient_id,age_years\nP1,5\n")
    problems = problems_of(path)
    assert {p.column for p in problems} == {"seizure_type", "baseline_seizures_per_month",
                                             "month12_seizures_per_month"}
    assert all(p.row == 1 and "missing" in p.rule for p in problems)


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (f"{HEADER}\n".encode(), "no patient rows"),
    (b"PK\x03\x04\x14\x00rest-of-a-workbook", "spreadsheet"),
    (b"\x00\x01\x02binary", "binary"),
    (f"{HEADER}\nP1,focal,10,4\n".encode().replace(b",", b";"), "semicolons"),
    (f"{HEADER}\nP1,focal,10,4\n".encode().replace(b",", b"\t"), "tabs"),
    (f"{HEADER}\nP1,focal,10,4,extra\n".encode(), "values but the header has"),
    (f"{HEADER}\nP\xe9,focal,10,4\n".encode("latin-1"), "UTF-8"),
])
def test_file_level_problems(write_csv, content, words):
    [problem] = problems_of(write_csv(content))
    assert words in problem.rule


def test_missing_file_and_folder(tmp_path):
    assert "not found" in problems_of(tmp_path / "nothing.csv")[0].rule
    assert "folder" in problems_of(tmp_path)[0].rule


def test_lenient_on_case_spaces_bom_blank_lines_and_extra_columns(write_csv):
    text = (f"\ufeff{HEADER},Notes\n P1 , Generalized ,10,4,x\n\nP2,BOTH,3.5,,y\n")
    cohort = load_cohort(write_csv(text))
    table = cohort.table
    assert table["patient_id"].tolist() == ["P1", "P2"]
    assert table["seizure_type"].astype(str).tolist() == ["generalized", "both"]
    assert table["month12_seizures_per_month"].isna().tolist() == [False, True]
    assert "notes" not in table.columns  # extra columns are dropped, never passed on
    assert any("notes" in note for note in cohort.notes)


def test_windows_line_endings(write_csv):
    table = load_cohort(write_csv(f"{HEADER}\r\nP1,focal,10,4\r\nP2,both,8,8\r\n")).table
    assert table.columns[-1] == "month12_seizures_per_month"
    assert table["month12_seizures_per_month"].tolist() == [4.0, 8.0]


def test_ages_outside_study_range_warn_but_load(write_csv):
    cohort = load_cohort(write_csv(f"{HEADER},age_years\nP1,focal,10,4,34\nP2,focal,9,9,12\n"))
    assert any("1 patient(s) are outside" in note for note in cohort.notes)


def test_rows_listed_per_rule_are_capped_but_counted(write_csv):
    rows = "\n".join(f"P{i},focal,-1,4" for i in range(30))
    with pytest.raises(CohortError) as caught:
        load_cohort(write_csv(f"{HEADER}\n{rows}\n"))
    assert len(caught.value.problems) == 30
    assert "and 10 more rows" in caught.value.message()


def test_input_file_is_not_modified(write_csv):
    path = write_csv(f"{HEADER}\nP1,focal,10,4\n")
    before = path.read_bytes()
    load_cohort(path)
    assert path.read_bytes() == before


def test_bundled_cohort_is_recognised_only_byte_for_byte(write_csv):
    assert load_cohort(BUNDLED).is_bundled
    altered = BUNDLED.read_bytes().replace(b"SYN-001", b"SYN-999")
    assert not load_cohort(write_csv(altered)).is_bundled


def test_data_readme_documents_every_column():
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for c in COLUMNS:  # the dictionary table in the README is the contract, row for row
        required = "required" if c.required else "optional"
        row = f"| `{c.name}` | {required} | {c.meaning} | {c.unit} | {c.kind} | {c.allowed} |"
        assert row in readme


def test_typed_table_from_bundled_cohort():
    table = load_cohort(BUNDLED).table
    assert isinstance(table["seizure_type"].dtype, pd.CategoricalDtype)
    assert table["baseline_seizures_per_month"].dtype == float

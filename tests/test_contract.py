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
    ("asm_count_baseline", "31", "asm_count_baseline", "must be 30 or fewer"),
    ("asm_count_month12", "250", "asm_count_month12", "must be 30 or fewer"),
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
    (b"\r", "empty"),
    (b"\xef\xbb\xbf", "empty"),
    (b"\xef\xbb\xbf \r\n\r\n", "empty"),
    (f"{HEADER}\nP1,focal,10,4\n".encode("utf-16"), "UTF-16"),
    (f"{HEADER}\nP1,focal,10,4\n".encode("utf-16-le"), "binary"),
])
def test_file_level_problems(write_csv, content, words):
    [problem] = problems_of(write_csv(content))
    assert words in problem.rule


@pytest.mark.parametrize("content, row, words", [
    (f"{HEADER}\rP1,focal,10,4\nP2,focal,3,3\n", 1, "line endings are mixed"),
    (f"{HEADER}\r\nP1,focal,10,4\r\nP2,focal,3,3\rP3,both,1,1\r\n", 3, "line endings are mixed"),
    (f"\n\n{HEADER}\nP1,focal,10,4\n", 1, "the first row is blank"),
    (f",,,\n{HEADER}\nP1,focal,10,4\n", 1, "the first row is blank"),
    (f"{HEADER}\nP1,focal,10,4\nP2,\"both,3,3\nP3,focal,1,1\n", 3, "never closed"),
    (f'{HEADER},"notes\nP1,focal,10,4,x\n', 1, "never closed"),
    (f'{HEADER},notes\nP1,focal,10,4,"two\nlines"\nP2,focal,3,3,x,y\n', 3,
     "this row has 6 values but the header has 5 columns"),
    (f"{HEADER}\nP1,focal,10,4,\n", 2, "this row has 5 values but the header has 4 columns"),
    (f"{HEADER}\n\nP1,focal,10,4,x\n", 3, "this row has 5 values"),
])
def test_malformed_text_names_the_rule_and_the_row(write_csv, content, row, words):
    [problem] = problems_of(write_csv(content))
    assert problem.row == row
    assert words in problem.rule


@pytest.mark.parametrize("header", [
    ",".join(f"c{i}" for i in range(1_000_000)),
    ",".join(f'"c,{i}"' for i in range(5_000)),
    HEADER + ",x" * 997,
])
def test_a_header_wider_than_1000_columns_is_refused(write_csv, header):
    [problem] = problems_of(write_csv(f"{header}\nP1,focal,10,4\n"))
    assert problem.row == 1 and "a cohort file may have at most 1,000" in problem.rule


def test_a_header_of_1000_columns_is_read(write_csv):
    header = HEADER + "".join(f",x{i}" for i in range(996))
    cohort = load_cohort(write_csv(f"{header}\nP1,focal,10,4{',' * 996}\n"))
    assert len(cohort.table) == 1
    assert "996 columns outside the data contract were ignored" in cohort.notes[0]


def test_very_long_fields_are_read_and_checked(write_csv):
    long_note = "n" * 200_000
    cohort = load_cohort(write_csv(f"{HEADER},notes\nP1,focal,10,4,{long_note}\n"))
    assert len(cohort.table) == 1
    [problem] = problems_of(write_csv(f"{HEADER}\n{'P' * 200_000},focal,10,4\n"))
    assert (problem.column, problem.row) == ("patient_id", 2)
    assert "at most 100 characters" in problem.rule
    [problem] = problems_of(write_csv(f"{HEADER}\nP1,focal,{'9' * 200_000},4\n"))
    assert problem.column == "baseline_seizures_per_month"


@pytest.mark.parametrize("rows", [
    ["P1,focal,10,4", "P2,both,8,8", "", "P3,generalized,3,"],
    ["P1,focal,10,4", "P2,both,0,8", "P3,odd,3,-1"],
])
def test_lines_ending_in_carriage_returns_check_like_line_feeds(write_csv, rows):
    """Old Mac spreadsheets ended every line in \\r: such a file is read like the \\n one."""
    header = f"{HEADER},notes,etiology"
    rows = [f"{row},x,y" if row else row for row in rows]

    def outcome(line_end):
        text = line_end.join([header, *rows]) + line_end
        try:
            cohort = load_cohort(write_csv(text, name=f"{line_end.encode().hex()}.csv"))
        except CohortError as exc:
            return [str(p) for p in exc.problems]
        table = cohort.table
        return table.to_csv(index=False), table.dtypes.astype(str).tolist(), cohort.notes

    assert outcome("\r") == outcome("\n") == outcome("\r\n")


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
    assert "1 column outside the data contract was ignored (not read, not copied)." in cohort.notes


def test_names_of_columns_outside_the_contract_are_never_shown(write_csv):
    text = (f"{HEADER},MRN_ZQX77 Smith John,Ward 7B,MRN_ZQX77 Smith John\n"
            "P1,focal,10,4,a,b,c\nP2,both,3,3,,,\n")
    cohort = load_cohort(write_csv(text))
    assert list(cohort.table.columns) == ["patient_id", "seizure_type",
                                          "baseline_seizures_per_month",
                                          "month12_seizures_per_month"]
    assert ("3 columns outside the data contract were ignored (not read, not copied)."
            in cohort.notes)
    assert not any("ZQX77" in note or "Ward" in note for note in cohort.notes)
    # nor when the file is rejected
    with pytest.raises(CohortError) as caught:
        load_cohort(write_csv(text.replace("P2,both,3,3", "P2,both,-3,3")))
    assert "ZQX77" not in caught.value.message() and "Ward" not in caught.value.message()


def test_a_row_with_values_only_outside_the_contract_is_still_a_row(write_csv):
    problems = problems_of(write_csv(f"{HEADER},notes\nP1,focal,10,4,\n,,,,seen\n"))
    assert {(p.row, p.column) for p in problems} == {
        (3, "patient_id"), (3, "seizure_type"), (3, "baseline_seizures_per_month")}


def test_optional_columns_blank_in_every_row_are_dropped_with_a_note(write_csv):
    cohort = load_cohort(write_csv(f"{HEADER},age_years,sex,etiology\n"
                                   "P1,focal,10,4, ,,genetic\nP2,both,3,3,,,\n"))
    assert "age_years" not in cohort.table and "sex" not in cohort.table
    assert "etiology" in cohort.table
    assert ("Optional columns blank in every row, so treated as not in this file (analyses that "
            "need them are skipped): age_years, sex.") in cohort.notes
    [absent] = [note for note in cohort.notes if note.startswith("Optional columns not in")]
    assert "age_years" not in absent and ", sex" not in absent  # each column named once


def test_etiology_outside_the_categories_is_grouped_as_other_without_its_text(write_csv):
    rows = ["P1,focal,10,4, Genetic ", "P2,focal,10,4,FCD type II (Dr Quill)", "P3,both,3,3,Other",
            "P4,both,3,3,", "P5,both,3,3,Rasmussen ZQX", "P6,both,3,3,unknown"]
    cohort = load_cohort(write_csv(f"{HEADER},etiology\n" + "\n".join(rows) + "\n"))
    assert cohort.table["etiology"].tolist()[:3] == ["genetic", "other", "other"]
    assert pd.isna(cohort.table["etiology"].iloc[3])
    assert cohort.table["etiology"].tolist()[4:] == ["other", "unknown"]
    assert ("2 etiology values outside the contract's categories were grouped as 'other'."
            in cohort.notes)
    assert not any("Quill" in note or "ZQX" in note for note in cohort.notes)


def test_control_characters_in_a_value_are_shown_escaped(write_csv):
    with pytest.raises(CohortError) as caught:
        load_cohort(write_csv(f'{HEADER}\nP1,"\x1b[2Jfo\ncal",10,4\n'))
    assert "value '\\x1b[2Jfo\\ncal'" in caught.value.message()
    assert "\x1b" not in caught.value.message()


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

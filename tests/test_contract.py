"""One test per rule of the data contract: a file that breaks it names the column and the row."""

import re

import pandas as pd
import pytest

from ivig_helpers import CohortError, load_cohort
from ivig_helpers.contract import COLUMNS, warnings_text

from .conftest import (
    BUNDLED,
    CONTROLLED_FILE_NAME,
    HEADER,
    ROOT,
    UNUSUAL_AGE,
    UNUSUAL_ID,
    UNUSUAL_ROW,
    cli_in_process,
)

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


# --- words for "no value" in a number column -----------------------------------------------------

# What a spreadsheet, R, SPSS or a person types for "no value" (the four and the others
# the contract refuses), as written: any case, spaces around.
NO_VALUE_WORDS = ["NA", "N/A", "n/a", "na", "-", "missing", "none", "null", ".", " NA ",
                  "  Missing ", "NULL", "None", "NaN", "#N/A"]
# Each number column, a row with the word in it, and what the message must tell the user to do.
NUMBER_COLUMNS = {
    "baseline_seizures_per_month": ("P2,focal,{},4", "may not be blank"),
    "month12_seizures_per_month": ("P2,focal,10,{}",
                                   "leave the cell blank for a child without one-year follow-up"),
    "month3_seizures_per_month": ("P2,focal,10,4,{}", "leave the cell blank when the value is "
                                                      "not known"),
    "age_years": ("P2,focal,10,4,{}", "leave the cell blank when the value is not known"),
    "asm_count_baseline": ("P2,focal,10,4,{}", "leave the cell blank when the value is not known"),
    "asm_count_month12": ("P2,focal,10,4,{}", "leave the cell blank when the value is not known"),
}


@pytest.mark.parametrize("column", NUMBER_COLUMNS)
@pytest.mark.parametrize("word", NO_VALUE_WORDS)
def test_a_word_for_no_value_in_a_number_column_says_what_to_write(write_csv, capsys, column,
                                                                   word):
    row_text, advice = NUMBER_COLUMNS[column]
    header = HEADER if column in HEADER.split(",") else f"{HEADER},{column}"
    optional_cell = "" if column in HEADER.split(",") else ",3"
    path = write_csv(f"{header}\nP1,focal,10,4{optional_cell}\n{row_text.format(word)}\n")
    [problem] = problems_of(path)
    assert (problem.column, problem.row, problem.value) == (column, 3, word.strip())
    assert advice in problem.rule and "must be a number" not in problem.rule
    if column == "month12_seizures_per_month":  # a 0 would make the child seizure free
        assert "do not write 0" in problem.rule
    done = cli_in_process(capsys, "validate", "--data", path)  # as the user sees it
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert (f"row 3, column '{column}': value '{word.strip()}': a word for 'no value', not a "
            f"number: ") in done.stderr and advice in done.stderr
    assert "rows are numbered as a spreadsheet shows them: the header is row 1" in done.stderr


def test_a_word_for_no_value_in_a_large_file_is_found_like_in_a_small_one(write_csv):
    # 3,000 plain rows: read by Arrow (contract._parse_plain_body), not pandas
    rows = [f"P{i},focal,10,4,{i % 17}" for i in range(3000)]
    rows[1499] = "P1499,focal,10, NA ,3"  # row 1,501 of the file
    rows[2999] = "P2999,focal,10,4,missing"  # row 3,001
    problems = problems_of(write_csv(f"{HEADER},age_years\n" + "\n".join(rows) + "\n"))
    assert [(p.row, p.column, p.value) for p in problems] == [
        (1501, "month12_seizures_per_month", "NA"), (3001, "age_years", "missing")]
    assert "one-year follow-up" in problems[0].rule and "not known" in problems[1].rule


def test_text_that_is_no_word_for_no_value_is_still_not_a_number(write_csv):
    for cell in ("unknown", "n.a.", "0x", "NA1"):
        [problem] = problems_of(write_csv(f"{HEADER}\nP1,focal,10,{cell}\n"))
        assert problem.value == cell and "must be a number" in problem.rule


# --- warnings: row and value in validate's terminal, counts only in a report ---------------------

def test_every_warning_names_column_row_and_value_in_validate(write_csv, capsys):
    lines = [f"{HEADER},age_years,etiology", "P1,focal,10,4,12,genetic",
             "P2,focal,10,4,45,genetic", "", "P3,both,3,3,1.5,Rasmussen (Dr Quill)",
             "P4,both,3,3,,unknown"]
    path = write_csv("\n".join(lines) + "\n")
    done = cli_in_process(capsys, "validate", "--data", path)
    assert done.returncode == 0 and "meets the data contract" in done.stdout
    # rows as a spreadsheet shows them: the header is row 1, the blank line is row 4
    assert lines.index("P2,focal,10,4,45,genetic") + 1 == 3
    assert "row 3, column 'age_years': value '45': outside the study's age range (2 to 18 " \
           "years); this child is analysed all the same" in done.stdout
    assert "row 5, column 'age_years': value '1.5': outside" in done.stdout
    assert "row 5, column 'etiology': value 'Rasmussen (Dr Quill)': not one of the contract's " \
           "categories, so grouped as 'other'" in done.stdout
    assert "rows are numbered as a spreadsheet shows them: the header is row 1" in done.stdout
    assert "row 2" not in done.stdout and "row 6" not in done.stdout  # nothing unusual there
    # the notes (what a report may show) count and name no row, value or free text
    cohort = load_cohort(path)
    notes = " ".join(cohort.notes)
    assert "2 patient(s) are outside the study's age range" in notes
    assert "1 etiology value outside" in notes
    assert not re.search(r"\brows? \d|45|1\.5|Quill|P[1-4]\b", notes)


def test_listed_warnings_are_capped_but_counted(write_csv):
    rows = "\n".join(f"P{i},focal,10,4,{30 + i}" for i in range(25))  # rows 2 to 26
    cohort = load_cohort(write_csv(f"{HEADER},age_years\n{rows}\n"))
    text = warnings_text(cohort)
    assert "row 21, column 'age_years': value '49'" in text  # the 20th
    assert "row 22," not in text
    assert "... and 5 more rows of column 'age_years'" in text


def test_a_file_without_anything_unusual_has_no_warnings(write_csv):
    cohort = load_cohort(write_csv(f"{HEADER},age_years,etiology\nP1,focal,10,4,2,genetic\n"
                                   "P2,focal,10,4,18,Other\n"))
    assert cohort.warnings == [] and warnings_text(cohort) == ""


@pytest.fixture(scope="module")
def unusual_age_report(controlled_run):
    """A run with disclosure control on, on 37 children of whom one is 71.4142 years old (the
    shared controlled report of conftest)."""
    report, stdout = controlled_run
    data = report.parent / CONTROLLED_FILE_NAME
    assert data.read_text().splitlines()[UNUSUAL_ROW - 1].startswith(UNUSUAL_ID)
    assert f",{UNUSUAL_AGE}," in data.read_text().splitlines()[UNUSUAL_ROW - 1]
    return data, report, stdout


def test_a_shareable_report_names_no_row_or_value_of_a_warning(unusual_age_report, capsys):
    data, report, stdout = unusual_age_report
    done = cli_in_process(capsys, "validate", "--data", data)  # the user's own terminal: named
    assert f"row {UNUSUAL_ROW}, column 'age_years': value '{UNUSUAL_AGE}'" in done.stdout
    files = [f for f in report.rglob("*") if f.is_file()]
    assert len(files) > 10
    shown_with_the_released_count = False
    row_words = re.compile(rf"\b(rows?|line) {UNUSUAL_ROW}\b", re.IGNORECASE)
    for path in files + [None]:
        text = stdout if path is None else path.read_bytes().decode("utf-8", "replace")
        assert UNUSUAL_AGE not in text and UNUSUAL_ID not in text, path
        assert not row_words.search(text), path
        shown_with_the_released_count |= (
            "fewer than 5 patient(s) are outside the study's age range" in text)
    assert shown_with_the_released_count  # the warning reached the report, as a count only


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


def test_data_readme_lists_every_word_for_no_value_the_contract_refuses():
    from ivig_helpers.contract import MISSING_MARKERS

    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    listed = {word.lower() for word in re.findall(r"`([^`]+)`", readme.split('"no value"')[1]
                                                                  .split("are not numbers")[0])}
    assert listed == set(MISSING_MARKERS)
    assert set(MISSING_MARKERS) <= {w.strip().lower() for w in NO_VALUE_WORDS}  # each tested


def test_typed_table_from_bundled_cohort():
    table = load_cohort(BUNDLED).table
    assert isinstance(table["seizure_type"].dtype, pd.CategoricalDtype)
    assert table["baseline_seizures_per_month"].dtype == float

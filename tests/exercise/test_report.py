"""The generated reports: a command replaces its own sections and keeps everyone else's."""

from pathlib import Path

from ecsotel.exercise.report import measured_by, sections, table, write_sections


def test_a_command_replaces_its_sections_in_place_and_keeps_the_others(tmp_path: Path) -> None:
    report = tmp_path / "performance.md"
    report.write_text("# Performance\n\n## Budgets\nold\n\n## Data growth\nrows grow\n")

    write_sections(report, {"Budgets": "new budgets\n", "Load and capacity": "steps\n"})
    write_sections(report, {"Budgets": "newer\n"})

    _, found = sections(report.read_text())
    assert list(found) == ["Budgets", "Data growth", "Load and capacity"]
    assert found["Budgets"].strip() == "newer"
    assert found["Data growth"].strip() == "rows grow"
    assert "old" not in report.read_text()


def test_a_new_report_gets_its_head(tmp_path: Path) -> None:
    report = tmp_path / "resilience.md"

    write_sections(report, {"Soak": "| a |\n"})

    head, found = sections(report.read_text())
    assert head.startswith("# Resilience\n")
    assert "do not edit by hand" in head
    assert found == {"Soak": "\n\n| a |\n"}


def test_a_section_names_its_command_and_the_machine() -> None:
    line = measured_by("make soak")

    assert line.startswith("Written by `make soak` on 20")
    assert "cores" in line
    assert "load average" in line


def test_a_table_has_a_header_a_rule_and_a_line_per_row() -> None:
    assert table(["a", "b"], [["1", "2"], ["3", "4"]]) == (
        "| a | b |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |\n"
    )

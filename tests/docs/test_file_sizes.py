"""No module is longer than a reader can take in one sitting: 300 lines at most.

Tests and fixtures are exempt (a suite of one behaviour per test grows long and
stays easy to read); every other Python and TypeScript file counts.
"""

import subprocess

from ecsotel.paths import REPO_ROOT

LIMIT = 300
SUFFIXES = ("*.py", "*.ts", "*.tsx", "*.mjs")


def code_files() -> list[str]:
    """Tracked Python and TypeScript files outside tests and fixtures."""
    names = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "ls-files", *SUFFIXES],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [
        name
        for name in names
        if not {"tests", "test", "fixtures"} & set(name.split("/")) and not name.endswith(".d.ts")
    ]


def test_no_module_is_over_300_lines() -> None:
    files = code_files()
    long = {
        name: lines
        for name in files
        if (lines := len((REPO_ROOT / name).read_text(encoding="utf-8").splitlines())) > LIMIT
    }

    assert len(files) > 100, "the file list is empty: is git available?"
    assert long == {}

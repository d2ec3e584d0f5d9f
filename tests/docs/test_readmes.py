"""Every README's links resolve, and every README's map names everything in its folder.

A map that misses a folder or a link to a moved file is how a front door goes
stale: these tests fail on the first commit that lets it happen.
"""

import re
import subprocess
from pathlib import Path

import pytest

from ecsotel.paths import REPO_ROOT

# [text](target) and ![alt](target); the target ends at the first space or ")".
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def tracked(pattern: str = "") -> list[Path]:
    """The files git tracks (relative paths), optionally matching a pathspec."""
    argv = ["git", "-C", str(REPO_ROOT), "ls-files", "-z", *([pattern] if pattern else [])]
    output = subprocess.run(argv, capture_output=True, check=True).stdout.decode()
    return [Path(name) for name in output.split("\0") if name]


def documents() -> list[Path]:
    """Every Markdown file of the project (READMEs, docs/, CONTRIBUTING, SECURITY)."""
    return [path for path in tracked("*.md") if "node_modules" not in path.parts]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors a Markdown file offers (its headings, code blocks left out)."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(heading) for heading in HEADING.findall(text)}


def broken_links(source: Path) -> list[str]:
    """Each relative link of the Markdown file `source` whose file or heading is missing."""
    text = FENCE.sub("", source.read_text(encoding="utf-8"))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (source.parent / path_part).resolve() if path_part else source
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.name}")
    return broken


@pytest.mark.parametrize("document", documents(), ids=str)
def test_every_relative_link_resolves(document: Path) -> None:
    assert broken_links(REPO_ROOT / document) == []


def test_the_link_checker_finds_a_missing_file_and_a_missing_heading(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Probe\n\n[gone](nowhere.md) [bad](other.md#no-such-heading)"
        " [ok](other.md#other-page) [here](#probe) [web](https://example.com/x)\n"
    )
    assert broken_links(page) == [
        "nowhere.md: no such file",
        "other.md#no-such-heading: no heading #no-such-heading in other.md",
    ]


def children(folder: str, *, skip: tuple[str, ...] = ()) -> set[str]:
    """The names of the tracked files and folders directly inside `folder`."""
    base = Path(folder)
    names = set()
    for path in tracked(folder):
        relative = path.relative_to(base) if folder else path
        name = relative.parts[0]
        if name not in skip and not name.startswith("__"):
            names.add(name)
    return names


def unnamed(readme: str, entries: set[str]) -> set[str]:
    """The entries a README's text never names (as `name`, `name/` or a link to it)."""
    text = (REPO_ROOT / readme).read_text(encoding="utf-8")
    return {
        entry
        for entry in entries
        # `name`, `name/`, `folder/name/` (a path ending in it) or a link to it.
        if not re.search(rf"`(?:[\w./-]*/)?{re.escape(entry)}/?`|\]\({re.escape(entry)}[/)]", text)
    }


# Each README with a map, the folder it maps, and what in that folder needs no row.
MAPS = {
    "README.md": (
        "",
        (
            ".gitignore",
            ".env.example",
            ".pre-commit-config.yaml",
            "Makefile",
            "README.md",
            "CONTRIBUTING.md",
            "SECURITY.md",
            "pyproject.toml",
            "uv.lock",
            "audit-allowlist.toml",
        ),
    ),
    "ecsotel/README.md": ("ecsotel", ("README.md",)),
    "tests/README.md": ("tests", ("README.md", "processes.py")),
    "infra/README.md": ("infra", ("README.md", ".tflint.hcl", "github-oidc")),
    "collector/README.md": ("collector", ("README.md",)),
    "docs/README.md": ("docs", ("README.md",)),
}


@pytest.mark.parametrize("readme", sorted(MAPS))
def test_every_readme_map_names_everything_in_its_folder(readme: str) -> None:
    folder, skip = MAPS[readme]
    entries = children(folder, skip=skip)
    if folder == "":  # the root's map names folders only
        entries = {entry for entry in entries if (REPO_ROOT / entry).is_dir()}
    assert entries, f"nothing tracked under {folder!r}"
    assert unnamed(readme, entries) == set()


def test_the_map_check_finds_an_entry_a_readme_leaves_out() -> None:
    assert unnamed("README.md", {"no-such-folder"}) == {"no-such-folder"}

"""Dependabot watches every manifest the repository pins versions in."""

import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
IGNORED = {"node_modules", ".venv", ".cache", ".terraform", ".git", ".next"}


def _folders(name: str) -> set[str]:
    """Folders (as Dependabot names them, "/" for the root) holding a file called `name`."""
    found = set()
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [sub for sub in subfolders if sub not in IGNORED]
        if name in files:
            relative = Path(folder).relative_to(ROOT)
            found.add("/" + relative.as_posix() if relative.parts else "/")
    return found


def _local_actions() -> list[Path]:
    return sorted((ROOT / ".github" / "actions").glob("*/action.yml"))


def _watched() -> dict[str, set[str]]:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    watched: dict[str, set[str]] = {}
    for update in config["updates"]:
        folders = update.get("directories") or [update["directory"]]
        watched.setdefault(update["package-ecosystem"], set()).update(folders)
        assert update.get("groups"), f"{update['package-ecosystem']}: updates are not grouped"
    return watched


def test_every_manifest_is_watched() -> None:
    watched = _watched()
    assert watched["uv"] == _folders("uv.lock")
    assert watched["npm"] == _folders("package-lock.json")
    assert watched["docker"] == _folders("Dockerfile")
    assert watched["terraform"] == _folders("versions.tf")
    actions = {"/" + path.parent.relative_to(ROOT).as_posix() for path in _local_actions()}
    assert watched["github-actions"] == {"/"} | actions

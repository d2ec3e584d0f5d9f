"""Each command imports only what its make target installs (pyproject.toml's groups).

`make up`, `verify` and `traces` install no group; the exercise targets add
`exercise`. A developer's .venv holds every group, so an import of a dev tool in
those paths would fail only on a fresh clone: here each set of modules is imported
in a fresh environment made from the lock file with exactly those groups.
"""

import os
import re
import subprocess

from ecsotel.paths import REPO_ROOT

UV = os.environ.get("UV", "uv")
# Tools of the dev and exercise groups that must not be in the stack's environment.
NOT_IN_THE_STACK = ("pytest", "mypy", "playwright", "locust", "matplotlib", "schemathesis")
# Every module of the ecsotel package but `exercise/`, which its own group serves
# (`exercise` for every module there), imported; "exercise" or "stack" picks the set.
# The locustfile is Locust's script, not a module: importing it patches the process
# with gevent (Locust's own start-up does that first).
MODULES = """
import importlib, pkgutil, sys, ecsotel
exercise = sys.argv[1] == "exercise"
names = [m.name for m in pkgutil.walk_packages(ecsotel.__path__, "ecsotel.")
         if m.name.startswith("ecsotel.exercise") == exercise
         and not m.name.endswith(("__main__", "locustfile"))]
for name in names:
    importlib.import_module(name)
print(len(names), "modules")
"""
# `$(RUN_EXERCISE) ecsotel <command>` in a recipe: what an exercise target runs.
EXERCISE_RUN = re.compile(r"\$\(RUN_EXERCISE\) ecsotel ([\w-]+)")


def python(groups: list[str], code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python - args` reading `code`, in a new environment with only `groups` installed."""
    options = [option for group in groups for option in ("--group", group)]
    return subprocess.run(
        [
            UV,
            "run",
            "--frozen",
            "--isolated",
            "--no-default-groups",
            *options,
            "python",
            "-",
            *args,
        ],
        cwd=REPO_ROOT,
        input=code,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_stacks_commands_run_without_any_group() -> None:
    imported = python([], MODULES, "stack")
    installed = python(
        [], f"import importlib.util as u; print([m for m in {NOT_IN_THE_STACK} if u.find_spec(m)])"
    )

    assert imported.returncode == 0, imported.stderr[-3000:]
    assert installed.stdout.strip() == "[]", "the stack's environment holds dev tools"


def test_each_exercise_target_runs_with_the_exercise_group() -> None:
    commands = EXERCISE_RUN.findall((REPO_ROOT / "Makefile").read_text())

    imported = python(["exercise"], MODULES, "exercise")

    # bench, bench-list, load, drills, pipeline-drill, soak, soak-renders, fuzz, bundle-size
    assert len(commands) >= 9, f"the Makefile's exercise targets: {commands}"
    assert imported.returncode == 0, imported.stderr[-3000:]

"""Both images run as a fixed non-root UID, start in exec form and ship only what runs.

hadolint (in `make lint`) checks the generic rules; these are the project's own,
read from the Dockerfiles' final stage, each with a broken Dockerfile that must fail.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = [ROOT / "backend" / "Dockerfile", ROOT / "frontend" / "Dockerfile"]
# Package managers and build tools: none may run in the image that ships.
INSTALLERS = re.compile(r"\b(apt-get|apt|apk|pip|uv|npm|npx|yarn|curl|wget)\b")


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    args: str


def instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, comments dropped and continuations joined."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, args = line.strip().partition(" ")
            result.append(Instruction(keyword.upper(), args.strip()))
    return result


def final_stage(text: str) -> list[Instruction]:
    """The instructions from the last FROM on: the image that ships."""
    parsed = instructions(text)
    start = max(i for i, instruction in enumerate(parsed) if instruction.keyword == "FROM")
    return parsed[start:]


def problems(text: str) -> list[str]:
    """What in a Dockerfile's final stage breaks the project's container rules."""
    stage = final_stage(text)
    found = []
    users = [i.args for i in stage if i.keyword == "USER"]
    uid = users[-1].split(":")[0] if users else ""
    if not uid.isdigit() or int(uid) == 0:
        found.append(f"final USER must be a fixed non-root numeric UID, not {uid or 'none'}")
    for instruction in stage:
        if instruction.keyword in {"CMD", "ENTRYPOINT"} and not _exec_form(instruction.args):
            found.append(f"{instruction.keyword} is in shell form: {instruction.args}")
        if instruction.keyword == "HEALTHCHECK" and not _exec_form(
            instruction.args.partition("CMD ")[2]
        ):
            found.append("HEALTHCHECK CMD is in shell form")
        if instruction.keyword == "RUN" and INSTALLERS.search(instruction.args):
            found.append(f"the final stage installs or downloads: {instruction.args}")
        if instruction.keyword == "ADD":
            found.append("ADD in the final stage (it fetches URLs and unpacks archives)")
        if instruction.keyword == "COPY" and "--from=" not in instruction.args:
            found.append(f"the final stage copies from the build context: {instruction.args}")
    if not any(i.keyword == "CMD" for i in stage):
        found.append("no CMD")
    return found


def _exec_form(args: str) -> bool:
    try:
        value = json.loads(args)
    except json.JSONDecodeError:
        return False
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.parent.name)
def test_dockerfile_follows_the_container_rules(dockerfile: Path) -> None:
    assert problems(dockerfile.read_text()) == []


GOOD = """FROM python:3.11 AS build
RUN pip install uv
FROM python:3.11-slim
COPY --from=build /opt/venv /opt/venv
USER 10001
CMD ["app"]
"""


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        (GOOD.replace("USER 10001", "USER app"), "fixed non-root numeric UID"),
        (GOOD.replace("USER 10001", "USER 0:0"), "fixed non-root numeric UID"),
        (GOOD.replace("USER 10001\n", ""), "fixed non-root numeric UID"),
        (GOOD.replace('CMD ["app"]', "CMD app --port 8000"), "shell form"),
        (GOOD + "HEALTHCHECK CMD curl -f http://localhost/ || exit 1\n", "HEALTHCHECK"),
        (GOOD.replace("USER 10001", "RUN apt-get install -y \\\n  curl\nUSER 10001"), "installs"),
        (GOOD.replace("USER 10001", "COPY . /src\nUSER 10001"), "build context"),
        (GOOD.replace("USER 10001", "ADD https://x.example/a.tgz /\nUSER 10001"), "ADD"),
    ],
)
def test_a_broken_dockerfile_is_caught(broken: str, problem: str) -> None:
    assert any(problem in found for found in problems(broken)), problems(broken)


def test_the_good_example_passes() -> None:
    assert problems(GOOD) == []

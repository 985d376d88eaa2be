"""`studybot syllabus validate`: shipped files pass, each broken example fails as documented.

Every file in tests/broken/ states the problems it must produce in `# expect:` lines
(LINE:COLUMN: field.path: message); the command must print each of them and exit with 1.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app

from ..conftest import BROKEN, CONTENT, SCHEDULES

runner = CliRunner()


def validate(*paths: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["syllabus", "validate", *map(str, paths)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_every_shipped_syllabus_and_schedule_is_valid() -> None:
    files = sorted(CONTENT.glob("*.yaml")) + sorted(SCHEDULES.glob("*.yaml"))
    assert len(list(CONTENT.glob("*.yaml"))) >= 7 and len(list(SCHEDULES.glob("*.yaml"))) >= 2
    code, output = validate(*files)
    assert code == 0, output
    assert output.count(": ok (") == len(files)


def test_the_shipped_ids_are_the_ones_promised() -> None:
    ids = {p.stem for p in CONTENT.glob("*.yaml")}
    assert {
        "mml",
        "strang-ila",
        "calculus-made-easy",
        "hogg-math-stats",
        "ml-engineer",
        "ml-math-path",
        "data-scientist",
        "deep-learning",
    } <= ids


def _expectations(path: Path) -> list[str]:
    head = path.read_bytes().split(b"\n")
    return [
        line.decode("utf-8")[len("# expect: ") :] for line in head if line.startswith(b"# expect: ")
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in BROKEN.glob("*.yaml")))
def test_broken_example_reports_its_problems(name: str) -> None:
    path = BROKEN / name
    expected = _expectations(path)
    assert expected, f"{name} has no '# expect:' line"
    code, output = validate(path)
    assert code == 1
    lines = output.splitlines()
    for expectation in expected:
        assert any(line.startswith(f"{path}:{expectation}") for line in lines), (
            expectation,
            output,
        )
    problem_lines = [line for line in lines if line.startswith(str(path))]
    assert len(problem_lines) == len(expected), output
    assert "Traceback" not in output


def test_all_problems_of_a_file_are_listed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(
        "id: Bad Id\n"
        "title: Many mistakes\n"
        "authors: []\n"
        "units:\n"
        "  - id: u1\n"
        "    title: One\n"
        "    readings: [{section: '1', title: T, pages: 5-1}]\n"
        "    topics: [t]\n"
        "    hours: -1\n"
        "    questions: ['Why is this question long enough?']\n"
        "    extra: true\n",
        encoding="utf-8",
    )
    code, output = validate(path)
    assert code == 1
    found = [line for line in output.splitlines() if line.startswith(str(path))]
    paths = [line.split(": ")[1] for line in found]
    assert paths == [
        "id",
        "authors",
        "units[0].readings[0].pages",
        "units[0].hours",
        "units[0].questions",
        "units[0].extra",
    ], output
    assert re.search(
        r"many\.yaml:1:5: id: use lowercase letters, digits and hyphens, e.g. linear-algebra, "
        r"not 'Bad Id'",
        output,
    )


def test_a_huge_file_is_refused_by_size_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # 50 MB, sparse: cheap to make
    code, output = validate(path)
    assert code == 1
    assert f"{path}:1:1: file: is 50 MiB; files larger than 1 MiB are refused" in output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file: is empty"),
        ("- just\n- a list\n", "(document): should be a mapping of field: value (id, title, "),
        ("a: &x [*x]\n", None),
    ],
)
def test_odd_documents_get_a_problem_not_a_crash(
    tmp_path: Path, text: str, message: str | None
) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    code, output = validate(path)
    assert code == 1
    if message:
        assert message in output, output


def test_missing_file_and_folder(tmp_path: Path) -> None:
    code, output = validate(tmp_path / "nope.yaml")
    assert code == 1 and "nope.yaml:1:1: file: no such file" in output


def test_the_real_command_prints_no_traceback() -> None:
    """The installed `studybot` entry point, as a user runs it, on broken and huge input."""
    broken = sorted(BROKEN.glob("*.yaml"))
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "syllabus", "validate", *map(str, broken)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1
    assert "Traceback" not in completed.stdout + completed.stderr
    assert f"problems in {len(broken)} files" in completed.stdout


def test_a_library_file_must_be_named_after_its_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "content"
    library.mkdir()
    text = (BROKEN / "syllabus-few-questions.yaml").read_text(encoding="utf-8")
    good = text.replace(
        "    questions:\n",
        "    questions:\n      - Explain a basis to a colleague in plain words.\n",
    )
    (library / "renamed.yaml").write_text(
        good.replace("id: broken", "id: original"), encoding="utf-8"
    )
    monkeypatch.setenv("STUDYBOT_CONTENT", str(library))
    code, output = validate(library / "renamed.yaml")
    assert code == 1
    assert "renamed.yaml:2:5: id: the id must match the file name: 'renamed'" in output
    elsewhere = tmp_path / "renamed.yaml"  # outside the library any file name will do
    elsewhere.write_text(good.replace("id: broken", "id: original"), encoding="utf-8")
    assert validate(elsewhere)[0] == 0

"""Nothing outside the repository: no tracked project file (docs aside) refers to the `shared/` folder that
sits beside our own checkouts. A clone has nothing beside it, so such a reference only works on our machines
(`.ci/run` proves the suites pass without it; this names the file and line that would break)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Spelt in pieces so that this file does not match itself.
OUTSIDE = re.compile("|".join(re.escape(p) for p in (".." + "/shared", "shared" + "/twilio-oai")))


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def outside_references(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        if path.suffix == ".md" or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary files name no paths
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    return found


def test_no_tracked_project_file_refers_to_the_folder_beside_the_repository():
    files = tracked_files()
    assert len(files) > 100  # the listing really is the repository
    assert outside_references(files) == []


def test_the_check_finds_such_a_reference():
    planted = ROOT / "tests" / "ci" / "__planted_reference__.py"
    planted.write_text(f'OAS = "{".." + "/shared"}/twilio-oai/twilio_taskrouter_v1.json"\n')
    try:
        found = outside_references([planted])
        assert found == [f"tests/ci/__planted_reference__.py:1: {planted.read_text().strip()}"]
    finally:
        planted.unlink()

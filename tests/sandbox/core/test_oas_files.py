"""The OpenAPI files the sandbox is held to live in the repository, byte for byte as SOURCE.md records."""

import hashlib
import re
from pathlib import Path

from flex_chat_transfer.sandbox.core.openapi import SPEC_FILES, oai_dir

OAS = Path(__file__).resolve().parents[3] / "sandbox" / "oas"


def test_the_checker_reads_the_files_inside_the_repository():
    assert oai_dir().resolve() == OAS.resolve()


def test_every_file_matches_the_checksum_in_source_md():
    table = (OAS / "SOURCE.md").read_text()
    rows = dict(re.findall(r"^\| (twilio_\w+\.json) \| \d+ \| ([0-9a-f]{64}) \|$", table, re.M))
    assert set(rows) == set(SPEC_FILES.values())
    for name, sha in rows.items():
        assert hashlib.sha256((OAS / name).read_bytes()).hexdigest() == sha, name

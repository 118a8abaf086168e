"""schemathesis against the ingestion API's own OpenAPI document, over real HTTP: whatever it
generates, no 5xx and every answer matches the documented schema."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from app.audit import Actor
from app.dms import api_keys


async def test_schemathesis_finds_no_server_error_and_no_schema_violation(server, make):
    branch = await make.branch(country="AR")
    key = (await api_keys.create(branch.id, "schemathesis", Actor(None, "prueba", None))).key
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli, "schemathesis está en las dependencias de desarrollo"
    # Fuzzing only, 15 examples per operation: ~75 requests, within the key's 120 a minute.
    run = await asyncio.create_subprocess_exec(
        cli, "run", f"{server}/schema/openapi.json", "--url", server, "-H", f"X-Api-Key: {key}",
        "--include-path-regex", "^/api/v1/", "--phases", "fuzzing", "--max-examples", "15", "--seed", "7",
        "--checks", "not_a_server_error,response_schema_conformance", "--no-color",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output = (await run.communicate())[0].decode()
    assert run.returncode == 0, output[-3000:]
    assert "5 passed" in output, output[-3000:]

"""The import job: by a real arq worker on Redis, and completed after a worker died mid-run."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from arq import create_pool
from arq.connections import RedisSettings

from app import jobs
from app.config import ROOT
from app.dms import imports
from app.dms.ingest import Target, ingest
from app.tables import ImportJob, RepairOrder

CSV = Path(__file__).parent.parent / "fixtures" / "ordenes_cp1252_punto_y_coma.csv"


async def _queued(branch) -> int:
    upload = await imports.create_job(branch.id, "repair_orders", CSV.name, CSV.read_bytes(), user_id=None)
    job = await imports.job_summary(upload.job_id)
    await imports.confirm_mapping(upload.job_id, branch.id, "repair_orders", job["mapping"], None)
    return upload.job_id


async def test_a_run_cut_off_midway_completes_when_run_again_with_no_duplicates(make):
    branch = await make.branch(country="AR")
    job_id = await _queued(branch)
    job = await imports.job_summary(job_id)
    sheet = imports.read(CSV.read_bytes(), CSV.name, "repair_orders")
    first_rows = list(imports.mapped_rows(sheet, job["mapping"]))[:2]
    # What the worker committed before it was killed, and the status it left behind.
    await ingest(Target(branch.id, "AR", branch.timezone), "repair_orders", first_rows, column_names=job["mapping"])
    await ImportJob.update({ImportJob.status: "running"}).where(ImportJob.id == job_id)
    assert await imports.run_import({}, job_id) == "done"
    job = await imports.job_summary(job_id)
    assert (job["created_count"], job["unchanged_count"], job["rejected_count"]) == (2, 2, 4)
    assert await RepairOrder.count().where(RepairOrder.branch == branch.id) == 4
    assert await imports.run_import({}, job_id) == "not queued"  # a finished import is not run twice


async def test_a_real_arq_worker_runs_the_import(make, redis_url, monkeypatch):
    branch = await make.branch(country="AR")
    job_id = await _queued(branch)
    queue_name = f"retorno:test:{uuid.uuid4().hex[:8]}"
    env = os.environ | {"REDIS_URL": redis_url, "JOB_QUEUE": queue_name}
    worker = subprocess.Popen([sys.executable, "-m", "app", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    monkeypatch.setattr(jobs, "_queue", jobs.ArqQueue(pool))
    try:
        job = await jobs.enqueue("run_import", job_id)
        assert await job.result(timeout=60) == "done"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=15)[0].decode()
        await pool.aclose()
    assert "run_import" in output, output
    assert (await imports.job_summary(job_id))["created_count"] == 4

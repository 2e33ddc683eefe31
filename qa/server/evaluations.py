"""/api/evaluations: run a test set from QA_TESTSET_DIR in the background, poll it, fetch its
report. Admins only (a run asks every question of the set); one run at a time.

Each run is kept in its own folder under the evaluation folder (``api-<id>``: the report, and
``api-run.json`` with its progress), so a run and its report outlive the server process; a run
the process did not finish is reported as failed."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from qa import Assistant, Busy, EvalSummary, NotFound, QAError
from qa.evaluation import run_evaluation
from qa.server.auth import Admin

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/evaluations", tags=["evaluation"])
TESTSET_SUFFIXES = (".jsonl", ".csv")
STATUS_FILE = "api-run.json"
RUN_ID = re.compile(r"[0-9a-f]{12}")


class EvaluationRequest(BaseModel):
    testset: str = Field(description="A file name that GET /api/evaluations/testsets lists.")
    limit: int | None = Field(None, ge=1, le=10_000)


@dataclass
class Run:
    id: str
    testset: str
    folder: Path
    status: str = "running"  # running, done, failed
    done: int = 0
    total: int = 0
    error: str = ""
    summary: EvalSummary | None = None
    report: str = ""  # the report's file name in ``folder``

    def save(self) -> None:
        """Write the run's state beside its report (a whole file at a time: a reader never sees half)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{STATUS_FILE}.{threading.get_ident()}"
        temporary.write_text(json.dumps({**self.public(), "report": self.report}), encoding="utf-8")
        os.replace(temporary, self.folder / STATUS_FILE)

    @classmethod
    def load(cls, folder: Path) -> Run | None:
        try:
            data = json.loads((folder / STATUS_FILE).read_text(encoding="utf-8"))
            return cls(
                str(data["id"]),
                str(data["testset"]),
                folder,
                str(data["status"]),
                int(data["done"]),
                int(data["total"]),
                str(data["error"]),
                EvalSummary.from_dict(data["summary"]) if data["summary"] else None,
                str(data.get("report", "")),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "testset": self.testset,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "summary": self.summary.to_dict() if self.summary is not None else {},
        }


class Runs:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: dict[str, Run] = {}


def _folder(bot: Assistant, run_id: str) -> Path:
    return bot.settings.evaluation.folder(bot.settings.storage.index_dir) / f"api-{run_id}"


def _runs(request: Request) -> Runs:
    if not hasattr(request.app.state, "evaluations"):
        request.app.state.evaluations = Runs()
    return request.app.state.evaluations


def _testsets(bot: Assistant) -> list[str]:
    folder = bot.settings.evaluation.testset_dir
    return sorted(p.name for p in folder.iterdir() if p.suffix in TESTSET_SUFFIXES) if folder.is_dir() else []


@router.get("/testsets")
def testsets(request: Request, user: Admin) -> list[str]:
    return _testsets(request.app.state.assistant)


@router.post("")
def start(body: EvaluationRequest, request: Request, user: Admin) -> dict[str, Any]:
    bot: Assistant = request.app.state.assistant
    if body.testset not in _testsets(bot):  # only a listed name: nothing else on disk can be named
        raise NotFound(f"No test set '{body.testset}' in QA_TESTSET_DIR; GET /api/evaluations/testsets lists them.")
    runs = _runs(request)
    with runs.lock:
        if any(r.status == "running" for r in runs.runs.values()):
            raise Busy("An evaluation is already running; poll it and start the next one when it is done.")
        run_id = uuid.uuid4().hex[:12]
        run = Run(run_id, body.testset, _folder(bot, run_id))
        run.save()
        runs.runs[run.id] = run

    def progress(done: int, total: int) -> None:
        run.done, run.total = done, total
        run.save()

    def work() -> None:
        try:
            result = run_evaluation(
                bot.settings,
                bot.settings.evaluation.testset_dir / body.testset,
                run.folder,
                limit=body.limit,
                embeddings=bot.embeddings,
                on_progress=progress,
            )
            report = result.files.get("report")
            run.summary, run.report = result.run.summary, Path(report).name if report else ""
            run.status = "done"
        except QAError as exc:
            run.error, run.status = str(exc), "failed"
        except Exception:
            logger.exception("evaluation %s failed", run.id)
            run.error, run.status = "The evaluation failed; see the server's log.", "failed"
        try:
            run.save()
        except OSError:
            logger.exception("evaluation %s: its state could not be saved", run.id)

    threading.Thread(target=work, name=f"evaluation-{run.id}", daemon=True).start()
    return run.public()


def _run(request: Request, run_id: str) -> Run:
    """This process's run, else one kept on disk (by an earlier process: one still "running"
    there did not finish). Only a well-formed id is looked up, so no other path can be named."""
    run = _runs(request).runs.get(run_id)
    if run is None and RUN_ID.fullmatch(run_id):
        run = Run.load(_folder(request.app.state.assistant, run_id))
        if run is not None and run.status == "running":
            run.status, run.error = "failed", "The server stopped before this evaluation finished."
    if run is None:
        raise NotFound(f"No evaluation '{run_id}'.")
    return run


@router.get("/{run_id}")
def poll(run_id: str, request: Request, user: Admin) -> dict[str, Any]:
    return _run(request, run_id).public()


@router.get("/{run_id}/report", response_class=PlainTextResponse)
def report(run_id: str, request: Request, user: Admin) -> PlainTextResponse:
    run = _run(request, run_id)
    report = run.folder / run.report
    if run.status != "done" or not run.report or Path(run.report).name != run.report or not report.is_file():
        raise NotFound(f"The evaluation '{run_id}' has no report ({run.status}).")
    return PlainTextResponse(report.read_text(encoding="utf-8"), media_type="text/markdown")

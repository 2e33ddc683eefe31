"""/api/evaluations: run a test set from QA_TESTSET_DIR in the background, poll it, fetch its
report. Admins only (a run asks every question of the set); one run at a time."""

from __future__ import annotations

import logging
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


class EvaluationRequest(BaseModel):
    testset: str = Field(description="A file name that GET /api/evaluations/testsets lists.")
    limit: int | None = Field(None, ge=1, le=10_000)


@dataclass
class Run:
    id: str
    testset: str
    status: str = "running"  # running, done, failed
    done: int = 0
    total: int = 0
    error: str = ""
    summary: EvalSummary | None = None
    report: Path | None = None

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
        run = Run(uuid.uuid4().hex[:12], body.testset)
        runs.runs[run.id] = run

    def progress(done: int, total: int) -> None:
        run.done, run.total = done, total

    def work() -> None:
        try:
            result = run_evaluation(
                bot.settings,
                bot.settings.evaluation.testset_dir / body.testset,
                bot.settings.evaluation.folder(bot.settings.storage.index_dir) / run.id,
                limit=body.limit,
                embeddings=bot.embeddings,
                on_progress=progress,
            )
            run.summary, run.report, run.status = result.run.summary, result.files.get("report"), "done"
        except QAError as exc:
            run.error, run.status = str(exc), "failed"
        except Exception:
            logger.exception("evaluation %s failed", run.id)
            run.error, run.status = "The evaluation failed; see the server's log.", "failed"

    threading.Thread(target=work, name=f"evaluation-{run.id}", daemon=True).start()
    return run.public()


def _run(request: Request, run_id: str) -> Run:
    run = _runs(request).runs.get(run_id)
    if run is None:
        raise NotFound(f"No evaluation '{run_id}'.")
    return run


@router.get("/{run_id}")
def poll(run_id: str, request: Request, user: Admin) -> dict[str, Any]:
    return _run(request, run_id).public()


@router.get("/{run_id}/report", response_class=PlainTextResponse)
def report(run_id: str, request: Request, user: Admin) -> PlainTextResponse:
    run = _run(request, run_id)
    if run.status != "done" or run.report is None:
        raise NotFound(f"The evaluation '{run_id}' has no report yet ({run.status}).")
    return PlainTextResponse(run.report.read_text(encoding="utf-8"), media_type="text/markdown")

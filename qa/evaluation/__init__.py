"""Evaluation built into the product: test sets, metrics, reports and a regression gate."""

from qa.evaluation.api import EvaluationOutput, run_evaluation
from qa.evaluation.compare import Comparison, compare_summaries
from qa.evaluation.runner import EvalRun, QuestionResult, evaluate
from qa.evaluation.scores import QuestionScores
from qa.evaluation.summary import EvalSummary, GroundingCheck, Meta, load_summary
from qa.evaluation.testset import TestCase, load_testset

__all__ = [
    "Comparison",
    "EvaluationOutput",
    "run_evaluation",
    "EvalRun",
    "EvalSummary",
    "GroundingCheck",
    "Meta",
    "load_summary",
    "QuestionResult",
    "QuestionScores",
    "TestCase",
    "compare_summaries",
    "evaluate",
    "load_testset",
]

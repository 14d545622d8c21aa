"""The pledge domain: who promised what, where; its status history, money and news evidence.

By aggregate: ``vocabulary`` (statuses, stages, funders, review states), ``pledges`` (promisers,
regions, pledges, revisions, status history, milestones), ``budget`` (figures and summaries),
``news`` (sources, articles, the wire-copy index, evidence), ``signals`` (status events
found in matched articles, waiting for an editor).

The database guards the invariants (unique articles and evidence pairs, known status values,
non-negative amounts); editor actions in review.py and the ingestion services do the writes.
"""

from pledges.models.budget import BudgetFigure, BudgetSummary, FunderMismatch
from pledges.models.matcher import (
    PledgeBookVersion,
    RematchBatch,
    RematchRun,
    RematchState,
    pledge_book_changed,
    pledge_book_token,
)
from pledges.models.news import (
    Article,
    Evidence,
    FailureKind,
    IngestFailure,
    SimilarityKey,
    Source,
    SourceKind,
)
from pledges.models.pledges import (
    Category,
    Jurisdiction,
    Milestone,
    MilestoneKind,
    Pledge,
    PledgeRevision,
    Promiser,
    PromiserKind,
    RevisionKind,
    StatusChange,
    planned_krw_for_sort,
)
from pledges.models.signals import SignalKind, SignalState, SignalSuggestion
from pledges.models.vocabulary import (
    FUNDER_PARTS,
    STATUS_DEFINITIONS,
    BrokenReason,
    BudgetStage,
    FeasibilityStudy,
    FigureState,
    Funder,
    MatchMethod,
    PledgeType,
    ReviewState,
    Status,
    StatusDefinition,
)

__all__ = [
    "FUNDER_PARTS",
    "STATUS_DEFINITIONS",
    "Article",
    "BrokenReason",
    "BudgetFigure",
    "BudgetStage",
    "BudgetSummary",
    "Category",
    "Evidence",
    "FailureKind",
    "FeasibilityStudy",
    "FigureState",
    "Funder",
    "FunderMismatch",
    "IngestFailure",
    "Jurisdiction",
    "MatchMethod",
    "Milestone",
    "MilestoneKind",
    "Pledge",
    "PledgeBookVersion",
    "PledgeRevision",
    "PledgeType",
    "Promiser",
    "PromiserKind",
    "RematchBatch",
    "RematchRun",
    "RematchState",
    "ReviewState",
    "RevisionKind",
    "SignalKind",
    "SignalState",
    "SignalSuggestion",
    "SimilarityKey",
    "Source",
    "SourceKind",
    "Status",
    "StatusChange",
    "StatusDefinition",
    "planned_krw_for_sort",
    "pledge_book_changed",
    "pledge_book_token",
]

"""The pledge domain: who promised what, where; its status history, money and news evidence.

By aggregate: ``vocabulary`` (statuses, stages, funders, review states), ``pledges`` (promisers,
regions, pledges, revisions, status history, milestones), ``budget`` (figures and summaries),
``news`` (sources, articles, the wire-copy index, evidence).

The database guards the invariants (unique articles and evidence pairs, known status values,
non-negative amounts); editor actions in review.py and the ingestion services do the writes.
"""

from pledges.models.budget import BudgetFigure, BudgetSummary, FunderMismatch
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
)
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
    "PledgeRevision",
    "PledgeType",
    "Promiser",
    "PromiserKind",
    "ReviewState",
    "RevisionKind",
    "SimilarityKey",
    "Source",
    "SourceKind",
    "Status",
    "StatusChange",
    "StatusDefinition",
]

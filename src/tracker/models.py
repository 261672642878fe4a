"""Every table of the tracker, imported in one place so the metadata is complete (Alembic, create_all)."""

from tracker.accounts.models import ApiToken, SignInThrottle, User, UserSession
from tracker.assessments.models import Assessment, Comment
from tracker.audit.models import AuditEvent
from tracker.evidence.models import Evidence
from tracker.organisations.models import AddresseeGroup, Organisation, Region
from tracker.plans.models import Action, PlanPublication, ProgressUpdate, PublishedResponse, Response
from tracker.plans.summaries import ResponseSummary
from tracker.practice.models import Practice, PracticeRecommendation
from tracker.public.models import CachedPage
from tracker.recommendations.models import (
    Recommendation,
    RecommendationCandidate,
    RecommendationSet,
    RecommendationVersion,
    ReportDocumentUpload,
)
from tracker.reports.models import ReminderSent, ReportingPeriod, Snapshot

__all__ = [
    "Action",
    "AddresseeGroup",
    "ApiToken",
    "Assessment",
    "AuditEvent",
    "CachedPage",
    "Comment",
    "Evidence",
    "Organisation",
    "PlanPublication",
    "Practice",
    "PracticeRecommendation",
    "ProgressUpdate",
    "PublishedResponse",
    "Recommendation",
    "RecommendationCandidate",
    "RecommendationSet",
    "RecommendationVersion",
    "Region",
    "ReminderSent",
    "ReportDocumentUpload",
    "ReportingPeriod",
    "Response",
    "ResponseSummary",
    "SignInThrottle",
    "Snapshot",
    "User",
    "UserSession",
]

"""Queries about the promising-practice library."""

from __future__ import annotations

from sqlmodel import Session, select

from tracker.practice.models import Practice, PracticeRecommendation
from tracker.vocabulary import PracticeStatus


def practice_for(session: Session, recommendation_id: int) -> list[Practice]:
    """Approved practice linked to a recommendation, by title."""
    return list(
        session.exec(
            select(Practice)
            .join(PracticeRecommendation, PracticeRecommendation.practice_id == Practice.id)
            .where(
                PracticeRecommendation.recommendation_id == recommendation_id,
                Practice.status == PracticeStatus.APPROVED,
            )
            .order_by(Practice.title)
        )
    )

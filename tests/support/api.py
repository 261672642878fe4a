"""The JSON API in tests: tokens, the bearer header, evidence added directly."""

from __future__ import annotations

from sqlmodel import Session

from tracker.accounts.models import User
from tracker.accounts.sessions import create_api_token
from tracker.evidence.models import Evidence
from tracker.vocabulary import EvidenceKind, Visibility


def add_evidence(session: Session, response_id: int, visibility: Visibility, title: str) -> int:
    item = Evidence(
        response_id=response_id,
        kind=EvidenceKind.LINK,
        title=title,
        url="https://www.example.org/evidence",
        visibility=visibility,
    )
    session.add(item)
    session.commit()
    return item.id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(session: Session, user: User, name: str = "test") -> str:
    token = create_api_token(session, user, name)
    session.commit()
    return token

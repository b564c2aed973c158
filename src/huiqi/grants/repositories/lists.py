"""SQL of the 免申即享 lists (huiqi.grants.autogrant, autolists): lists, their rows, the 公示."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.models.application import Application
from huiqi.models.auto_grant_list import AutoGrantList


def auto_list(session: Session, list_id: int, *, for_update: bool = False
              ) -> AutoGrantList | None:
    return session.get(AutoGrantList, list_id, with_for_update=for_update)


def list_ids_newest_first(session: Session) -> list[int]:
    return list(session.scalars(select(AutoGrantList.id).order_by(AutoGrantList.id.desc())))


def rows_of(session: Session, list_id: int) -> list[Application]:
    """The list's rows (applications), by id."""
    stmt = select(Application).where(Application.auto_list_id == list_id).order_by(Application.id)
    return list(session.scalars(stmt))


def rows_locked(session: Session, list_id: int, ids: Sequence[int] | None) -> list[Application]:
    """The list's rows (those of `ids` if given), by id, row-locked and reloaded."""
    stmt = select(Application).where(Application.auto_list_id == list_id)
    if ids is not None:
        stmt = stmt.where(Application.id.in_(list(ids)))
    return list(session.scalars(stmt.order_by(Application.id).with_for_update()
                                .execution_options(populate_existing=True)))


def rows_in(session: Session, list_id: int, statuses: Iterable[str]) -> list[Application]:
    """The list's rows in `statuses`, by id."""
    stmt = select(Application).where(Application.auto_list_id == list_id,
                                     Application.status.in_(list(statuses)))
    return list(session.scalars(stmt.order_by(Application.id)))


def applicants(session: Session, item_id: str, year: int, statuses: Iterable[str]) -> set[str]:
    """The enterprises with an application of the item and year in `statuses`."""
    stmt = select(Application.enterprise_uscc).where(
        Application.item_id == item_id, Application.year == year,
        Application.status.in_(list(statuses)))
    return set(session.scalars(stmt))


def in_publicity(session: Session, today: date) -> list[AutoGrantList]:
    """The lists under 公示 today (published, period not over, not replaced), newest first."""
    stmt = select(AutoGrantList).where(
        AutoGrantList.publicity_from.is_not(None), AutoGrantList.publicity_from <= today,
        AutoGrantList.publicity_until >= today, AutoGrantList.superseded_by.is_(None))
    return list(session.scalars(stmt.order_by(AutoGrantList.id.desc())))


def held_rows(session: Session, objection_status: str) -> list[tuple[Application, AutoGrantList]]:
    """Rows with an objection in `objection_status`, with their list, oldest change first."""
    stmt = select(Application, AutoGrantList).join(
        AutoGrantList, AutoGrantList.id == Application.auto_list_id).where(
        Application.objection_status == objection_status) \
        .order_by(Application.updated_at, Application.id)
    return [(app, listing) for app, listing in session.execute(stmt)]


def row_locked(session: Session, application_id: int) -> Application | None:
    return session.get(Application, application_id, with_for_update=True)

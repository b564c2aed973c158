"""All SQL of the projects domain."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from huiqi.models.department import Department
from huiqi.models.enterprise import enterprises
from huiqi.models.project import Project, ProjectProgress, ProjectReminder, ProjectStep
from huiqi.models.user import Role, User


def steps(session: Session, project_id: int, *, for_update: bool = False) -> list[ProjectStep]:
    stmt = select(ProjectStep).where(ProjectStep.project_id == project_id) \
        .order_by(ProjectStep.seq)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return list(session.scalars(stmt))


def steps_of(session: Session, project_ids: Iterable[int]) -> dict[int, list[ProjectStep]]:
    ids = list(project_ids)
    out: dict[int, list[ProjectStep]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = select(ProjectStep).where(ProjectStep.project_id.in_(ids)) \
        .order_by(ProjectStep.project_id, ProjectStep.seq)
    for step in session.scalars(stmt):
        out[step.project_id].append(step)
    return out


def projects(session: Session, stmt: Select[Project]) -> list[Project]:
    return list(session.scalars(stmt.order_by(Project.signed_on, Project.id)))


def project_by_name(session: Session, name: str) -> Project | None:
    return session.scalar(select(Project).where(Project.name == name))


def progress(session: Session, project_id: int, limit: int = 20) -> list[ProjectProgress]:
    stmt = select(ProjectProgress).where(ProjectProgress.project_id == project_id) \
        .order_by(ProjectProgress.week.desc(), ProjectProgress.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def weeks_reported(session: Session, project_ids: list[int], week: date) -> set[int]:
    if not project_ids:
        return set()
    stmt = select(ProjectProgress.project_id).where(
        ProjectProgress.project_id.in_(project_ids), ProjectProgress.week == week)
    return set(session.scalars(stmt))


def open_projects(session: Session) -> list[Project]:
    """Projects not yet in production (their 投产 step has no date), locked for the tick."""
    produced = select(ProjectStep.project_id).where(ProjectStep.key == "production",
                                                    ProjectStep.done_on.is_not(None))
    stmt = select(Project).where(Project.id.not_in(produced)).order_by(Project.id) \
        .with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def reminder_sent(session: Session, project_id: int, kind: str, due: date) -> bool:
    stmt = select(ProjectReminder.id).where(ProjectReminder.project_id == project_id,
                                            ProjectReminder.kind == kind,
                                            ProjectReminder.due == due)
    return session.scalar(stmt) is not None


def department_for(session: Session, key: str) -> Department | None:
    """A department by code or exact name, else the only one whose name contains `key`."""
    found = session.scalar(select(Department).where(
        or_(Department.code == key, Department.name == key)))
    if found is not None:
        return found
    like = list(session.scalars(select(Department).where(Department.name.contains(key))
                                .order_by(Department.id).limit(2)))
    return like[0] if len(like) == 1 else None


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.name)))


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def users_by_role(session: Session, *roles: Role) -> list[User]:
    stmt = select(User).where(User.role.in_([r.value for r in roles]),
                              User.is_active.is_(True)).order_by(User.display_name)
    return list(session.scalars(stmt))


def names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def office_user_ids(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(User.role == Role.OFFICE.value,
                                                      User.is_active.is_(True))))


def enterprise_name(session: Session, uscc: str) -> str | None:
    return session.scalar(select(enterprises.c.name).where(enterprises.c.uscc == uscc))


def count(session: Session, stmt: Select[Project]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def projects_where(where: ColumnElement[bool]) -> Select[Project]:
    """The projects `where` (access.project_filter) lets through."""
    return select(Project).where(where)


def project_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Project)) or 0


def usccs_in_region(session: Session, region: str, limit: int) -> list[str]:
    """The first `limit` enterprises of `region`, by id."""
    return [str(u) for u in session.scalars(
        select(enterprises.c.uscc).where(enterprises.c.region == region)
        .order_by(enterprises.c.id).limit(limit))]

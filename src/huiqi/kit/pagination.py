"""Offset pagination for lists and ledgers: one count query, one page query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from sqlalchemy import Select
from sqlalchemy.orm import Session

from huiqi.kit.db import page_of

T = TypeVar("T")
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class PageParams:
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


async def page_params(  # async: it does no I/O, and a sync one costs a thread-pool hop
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> PageParams:
    return PageParams(page, per_page)


PageQuery = Annotated[PageParams, Depends(page_params)]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, stmt: Select[Any], params: PageParams) -> Page[Any]:
    """`stmt` must be ordered (deterministic pages); scalars are returned when it selects one
    entity, rows otherwise."""
    total, items = page_of(session, stmt, params.per_page, params.offset)
    return Page(items=items, total=total, page=params.page, per_page=params.per_page)

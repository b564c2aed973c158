"""部门: the departments whose handlers review applications and answer appeals."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.models.base import Base

# The district's finance bureau co-reviews grants (财政复核) and confirms 免申即享 lists: its
# handlers move money. There is no kind column; it is known by name, the way grants routes an
# application to it (`finance_department` is always "…财政局", matched on a department's name
# or code). This is the one place that rule lives.
FINANCE_BUREAU = "财政局"


def is_finance_bureau(name: str | None, code: str | None = None) -> bool:
    """Whether a department (by name or code) is a finance bureau: "江北区财政局", "财政局".
    Also its units ("江北区财政局国库支付中心"): over-including only asks more of a login."""
    return any(FINANCE_BUREAU in value for value in (name, code) if value)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    @property
    def is_finance_bureau(self) -> bool:
        return is_finance_bureau(self.name, self.code)

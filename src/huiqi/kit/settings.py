"""Process-wide settings, read once from the environment (HUIQI_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from huiqi.kit.clock import Clock

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _default_data_dir() -> Path:
    return Path(os.environ.get("HUIQI_DATA_DIR", PROJECT_ROOT / "var"))


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=_default_data_dir)
    database_url: str = ""
    policies_dir: Path = PROJECT_ROOT / "policies"
    secret_key: str = ""
    session_idle_minutes: int = 30
    upload_max_bytes: int = 10 * 1024 * 1024
    # Policies are matched "as of" this date; None means today (Asia/Shanghai). The demo pins it
    # to a date when the seed policies are in force.
    as_of: date | None = None
    # Open311 GeoReport v2: the `jurisdiction_id` clients may send (another one is answered 404).
    open311_jurisdiction_id: str = "huiqi"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"


@lru_cache
def get_settings() -> Settings:
    data_dir = _default_data_dir()
    url = os.environ.get("HUIQI_DATABASE_URL") or f"sqlite:///{data_dir / 'huiqi.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=url,
        policies_dir=Path(os.environ.get("HUIQI_POLICIES_DIR", PROJECT_ROOT / "policies")),
        secret_key=os.environ.get("HUIQI_SECRET_KEY", ""),
        as_of=date.fromisoformat(os.environ["HUIQI_AS_OF"]) if os.environ.get("HUIQI_AS_OF")
        else None,
        open311_jurisdiction_id=os.environ.get("HUIQI_OPEN311_JURISDICTION_ID") or "huiqi",
    )


def policy_date_for(clock: Clock, settings: Settings | None = None) -> date:
    """The date policies are applied as of — which version is in force, which budget year:
    `settings.as_of` (HUIQI_AS_OF) when pinned, else the clock's day in Beijing time."""
    chosen = (settings or get_settings()).as_of
    return chosen or clock.today_local()


def policy_date(settings: Settings | None = None) -> date:
    """`policy_date_for` the system clock."""
    return policy_date_for(Clock(), settings)

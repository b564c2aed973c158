"""The demo 好差评 (`huiqi demo-up`): windows in the five districts, several hundred ratings,
差评 waiting at every step and some through the whole loop, a 误评 excluded; run once."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from sqlalchemy import func, select

from huiqi.models.rating import Rating, RatingWindow
from huiqi.ratings.demo import RATINGS, seed_ratings
from tests.ratings.conftest import World

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def test_demo_ratings(world: World) -> None:
    out = io.StringIO()
    seed_ratings(world.engine, Console(file=out))
    with world.tx() as s:
        regions = set(s.scalars(select(RatingWindow.region).where(
            RatingWindow.code.like("%-QY") | RatingWindow.code.like("%-GC"))))
        assert regions == {"500105", "500113", "500107", "420802", "360803"}
        assert s.scalar(select(func.count()).select_from(Rating)) == RATINGS
        stages = dict(s.execute(select(Rating.stage, func.count()).where(
            Rating.negative.is_(True), Rating.excluded.is_(False)).group_by(Rating.stage)).all())
        assert all(stages.get(k, 0) >= 3 for k in ("verify", "rectify", "revisit", "done")), \
            stages
        assert s.scalar(select(func.count()).where(Rating.excluded.is_(True))) >= 1
        good = s.scalar(select(func.count()).where(Rating.negative.is_(False)))
        assert good > RATINGS * 0.8
    seed_ratings(world.engine, Console(file=out))  # once
    with world.tx() as s:
        assert s.scalar(select(func.count()).select_from(Rating)) == RATINGS
    assert "演示好差评已存在" in out.getvalue()

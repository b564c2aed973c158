"""Policy items belong to a database, not to the process: two apps on two databases in one
process each see, serve and re-match only their own published items (issue 13: B's library
once returned A's items, and B's publication re-matched against them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from huiqi.app import create_app
from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.settings import Settings
from huiqi.models.match_result import MatchResult
from huiqi.models.user import Role
from huiqi.policies import service
from huiqi.registry import service as registry
from tests.fixtures.db import fresh_database
from tests.fixtures.web import test_uscc
from tests.policies.conftest import policy_yaml

AS_OF = date(2025, 6, 2)
OFFICE = Actor(user_id=None, username="office-test", display_name="营商办", role=Role.OFFICE)
CLOCK = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))


@pytest.fixture
def two(db_url: str, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    kind = "sqlite" if db_url.startswith("sqlite") else "postgres"
    pg = None if kind == "sqlite" else db_url
    with ExitStack() as stack:
        engines = []
        for name in ("a", "b"):
            folder = tmp_path / name
            folder.mkdir()
            url = stack.enter_context(fresh_database(kind, folder, pg))
            eng = make_engine(url)
            stack.callback(eng.dispose)
            engines.append(eng)
        yield engines[0], engines[1]


def _publish(engine: Engine, doc_id: str) -> service.PublishReport:
    with unit_of_work(engine) as s:
        row = service.save(s, OFFICE, CLOCK, policy_yaml(doc_id), f"{doc_id}.yaml")
        document_id, number = row.document_id, row.number
    with unit_of_work(engine) as s:
        return service.publish(s, OFFICE, CLOCK, document_id, number, as_of=AS_OF)


def _register(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        registry.upsert(s, {"uscc": test_uscc(), "name": "双库测试有限公司", "region": "500105",
                            "legal_form": "enterprise", "industry_code": "H6210",
                            "size_class": "small", "rents_state_property": True,
                            "monthly_rent": "30000"})


def _ids(engine: Engine) -> set[str]:
    with unit_of_work(engine) as s:
        return {iv.item.id for iv in service.published_items(s)}


def test_publishing_in_b_never_shows_or_rematches_a_items(two: tuple[Engine, Engine],
                                                          tmp_path: Path) -> None:
    a, b = two
    apps = [create_app(Settings(database_url=e.url.render_as_string(hide_password=False),
                                data_dir=tmp_path / f"d{n}"), e) for n, e in enumerate(two)]
    assert apps[0].state.policy_items is not apps[1].state.policy_items
    assert apps[1].state.policy_items is service.items(b)
    _register(a)
    _register(b)

    _publish(a, "tst.twoa")  # version id 1 in A: the same published fingerprint as B's below
    assert _ids(a) == {"tst.twoa-rent"}
    revision = service.items(b).revision
    report = _publish(b, "tst.twob")
    assert _ids(b) == {"tst.twob-rent"}  # not A's, though both libraries read "1"
    assert _ids(a) == {"tst.twoa-rent"}
    assert service.items(b).revision > revision  # the publication moved B's revision
    assert report.rematch.items == 1  # B re-matched against its own item only

    for engine, own in ((a, "tst.twoa-rent"), (b, "tst.twob-rent")):
        with unit_of_work(engine) as s:
            stored = set(s.scalars(select(MatchResult.item_id).distinct()))
            in_force = {i.id for i in service.in_force(s, AS_OF, "500105").items}
        assert stored == {own}
        assert in_force == {own}


def test_the_revision_rises_with_each_committed_change_only(two: tuple[Engine, Engine]) -> None:
    a, _ = two
    items = service.items(a)
    _publish(a, "tst.rev")  # the first publication
    first = items.revision
    with unit_of_work(a) as s:
        row = service.save(s, OFFICE, CLOCK, policy_yaml("tst.rev", min_rent=5000), "rev.yaml")
        number, document_id = row.number, row.document_id
    assert items.revision == first  # a draft changes nothing published
    with unit_of_work(a) as s:  # supersedes version 1, then rolls back
        service.publish(s, OFFICE, CLOCK, document_id, number, as_of=AS_OF)
        s.rollback()
    assert items.revision == first
    with unit_of_work(a) as s:
        service.publish(s, OFFICE, CLOCK, document_id, number, as_of=AS_OF)
    superseded = items.revision
    assert superseded > first
    with unit_of_work(a) as s:
        service.withdraw(s, OFFICE, CLOCK, document_id, as_of=AS_OF)
    assert items.revision > superseded
    with unit_of_work(a) as s:
        assert service.in_force(s, AS_OF, "500105").items == ()

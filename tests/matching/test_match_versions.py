"""Match versions, on SQLite and PostgreSQL: every write of stored match results raises the
versions of exactly the enterprises it touches, in its own transaction, and the 政策礼包 cache is
keyed on them (a re-match shows at once; a view is never kept under a version its rows are not)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.settings import Settings
from huiqi.matching import packs, service
from huiqi.models.match_result import MatchVersion
from huiqi.models.user import Role
from huiqi.policies import repository as policies_repo
from huiqi.policies import service as policies
from huiqi.policies.items import FileItemSource
from huiqi.registry import service as registry
from huiqi.registry.catalog import load_catalog
from huiqi.rules import Item
from tests.fixtures.db import fresh_database
from tests.fixtures.web import test_uscc

POLICIES = Path(__file__).parent / "packs" / "fixtures"
AS_OF = date(2025, 6, 2)
CLOCK = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
PROFILE: dict[str, Any] = {
    "region": "500105", "legal_form": "enterprise", "industry_code": "H6210",
    "size_class": "small", "rents_state_property": True, "monthly_rent": "10000",
    "high_tech": False, "unemployment_insurance_paid": "20000"}


@pytest.fixture
def engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    kind = "sqlite" if db_url.startswith("sqlite") else "postgres"
    with fresh_database(kind, tmp_path, None if kind == "sqlite" else db_url) as url:
        eng = make_engine(url)
        yield eng
        eng.dispose()


@pytest.fixture(autouse=True)
def _gift_policies(engine: Engine) -> None:
    policies.use_items(engine, FileItemSource([POLICIES]))  # this test's database only


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, as_of=AS_OF)


def _register(engine: Engine, **profile: Any) -> tuple[int, str]:
    uscc = test_uscc()
    with unit_of_work(engine) as db:
        ent = registry.upsert(db, {"uscc": uscc, "name": f"版本测试{uscc[-6:]}有限公司",
                                   **PROFILE, **profile})
        return ent.id, uscc


def _items(engine: Engine) -> list[Item]:
    with unit_of_work(engine) as db:
        return sorted((v.item for v in policies.published_items(db)
                       if v.item.id.startswith("giftville.")), key=lambda i: i.id)


def _match(engine: Engine, items: list[Item], ids: list[int] | None = None) -> None:
    with unit_of_work(engine) as db:
        service.match_all(db, load_catalog(), items, AS_OF, enterprise_ids=ids)


def _versions(engine: Engine) -> dict[int, int]:
    with unit_of_work(engine) as db:
        return dict(db.execute(select(MatchVersion.enterprise_id, MatchVersion.version)).all())


def _actor(uscc: str) -> Actor:
    return Actor(user_id=None, username="e", display_name="企业", role=Role.ENTERPRISE,
                 enterprise_uscc=uscc)


def _view(engine: Engine, uscc: str, settings: Settings) -> packs.PackView:
    with unit_of_work(engine) as db:
        return packs.view(db, _actor(uscc), CLOCK, settings)


def _ids(entries: list[service.PackEntry]) -> list[str]:
    return [e.item.id for e in entries]


def _kept_versions(engine: Engine, enterprise_id: int) -> list[int]:
    with Session(engine) as db:
        cache = packs.pack_cache(db)
    return [k[-1] for k in cache._data if k[0].id == enterprise_id]


def test_matching_everyone_raises_every_version_in_one_statement(engine: Engine) -> None:
    a, b, c = (_register(engine)[0] for _ in range(3))
    items = _items(engine)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "match_versions" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        _match(engine, items)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert _versions(engine) == {a: 1, b: 1, c: 1}
    assert len(statements) == 1 and "ON CONFLICT" in statements[0]  # set-based, one upsert
    _match(engine, items)
    assert _versions(engine) == {a: 2, b: 2, c: 2}


def test_matching_some_enterprises_raises_only_theirs(engine: Engine) -> None:
    a, b, c = (_register(engine)[0] for _ in range(3))
    items = _items(engine)
    _match(engine, items, [a])
    assert _versions(engine) == {a: 1}
    _match(engine, items, [a, c])
    assert _versions(engine) == {a: 2, c: 1}
    _match(engine, items)
    assert _versions(engine) == {a: 3, b: 1, c: 2}


def test_forgetting_items_raises_the_enterprises_that_had_them(engine: Engine) -> None:
    a, b, c = (_register(engine)[0] for _ in range(3))
    items = _items(engine)
    _match(engine, items[:2])
    _match(engine, items[2:3], [b])  # only b has results for the third item
    assert _versions(engine) == {a: 1, b: 2, c: 1}
    with unit_of_work(engine) as db:
        assert policies_repo.forget_results(db, [items[2].id]) == 1
        assert policies_repo.forget_results(db, ["giftville.nothing"]) == 0
        assert policies_repo.forget_results(db, []) == 0
    assert _versions(engine) == {a: 1, b: 3, c: 1}
    with unit_of_work(engine) as db:
        assert policies_repo.forget_results(db, [items[0].id]) == 3
    assert _versions(engine) == {a: 2, b: 4, c: 2}


def test_a_rolled_back_write_leaves_the_versions(engine: Engine) -> None:
    a, _ = _register(engine)
    items = _items(engine)
    _match(engine, items)
    with pytest.raises(RuntimeError), unit_of_work(engine) as db:
        service.match_all(db, load_catalog(), items, AS_OF, enterprise_ids=[a])
        policies_repo.forget_results(db, [items[0].id])
        raise RuntimeError("refused later in the same unit of work")
    assert _versions(engine) == {a: 1}


def test_the_owner_lookup_carries_the_version(engine: Engine) -> None:
    a, uscc = _register(engine)
    with unit_of_work(engine) as db:
        assert service.owner_by_uscc(db, uscc) == (a, uscc, f"版本测试{uscc[-6:]}有限公司",
                                                   "500105", 0)
        assert service.owner_by_uscc(db, test_uscc()) is None  # valid, not registered
        assert service.owner_by_uscc(db, "not-a-uscc") is None
    _match(engine, _items(engine), [a])
    with unit_of_work(engine) as db:
        assert service.owner_by_uscc(db, uscc.lower())[-1] == 1  # type: ignore[index]


def test_a_rematch_elsewhere_shows_in_the_next_pack(engine: Engine, settings: Settings) -> None:
    """The office corrects the profile and re-matches (another process, say): the enterprise's
    next request shows it, though its pack was kept (the version, not the rows, is the key)."""
    a, uscc = _register(engine)
    first = _view(engine, uscc, settings)
    assert "giftville.hightech" in _ids(first.pack.near_misses)
    assert _view(engine, uscc, settings) is first  # kept
    with unit_of_work(engine) as db:
        registry.upsert(db, {"uscc": uscc, "high_tech": True})
        service.match_all(db, load_catalog(), _items(engine), AS_OF, enterprise_ids=[a])
    after = _view(engine, uscc, settings)
    assert "giftville.hightech" in _ids(after.pack.eligible)
    assert "giftville.hightech" not in _ids(after.pack.near_misses)


def test_a_view_is_not_kept_under_a_version_that_changed_while_it_was_built(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request's re-match commits after this one read the version and before it read
    the rows: the rows are the new version's, so the view must not be kept under the old one."""
    a, uscc = _register(engine)
    _match(engine, _items(engine), [a])
    (version,) = _versions(engine).values()
    real = service.results

    def rematched_meanwhile(*args: Any, **kwargs: Any) -> Any:
        with unit_of_work(engine) as other:  # a second session, committed
            registry.upsert(other, {"uscc": uscc, "high_tech": True})
            service.match_all(other, load_catalog(), _items(engine), AS_OF, enterprise_ids=[a])
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "results", rematched_meanwhile)
    built = _view(engine, uscc, settings)
    assert "giftville.hightech" in _ids(built.pack.eligible)  # the new rows
    assert _versions(engine) == {a: version + 1}
    assert _kept_versions(engine, a) == []  # not under the old version
    monkeypatch.setattr(service, "results", real)
    assert "giftville.hightech" in _ids(_view(engine, uscc, settings).pack.eligible)
    assert _kept_versions(engine, a) == [version + 1]


def test_a_rematch_is_kept_only_once_committed(engine: Engine, settings: Settings) -> None:
    """A first visit re-matches the enterprise in its own transaction; rolled back, the version
    number would go to the next writer, so the view built from the rolled-back rows must not be
    kept under it."""
    a, uscc = _register(engine)
    with unit_of_work(engine) as db:  # results of another policy date: the view re-matches
        service.match_all(db, load_catalog(), _items(engine), date(2025, 5, 1),
                          enterprise_ids=[a])
    with unit_of_work(engine) as db:
        view = packs.view(db, _actor(uscc), CLOCK, settings)
        assert "giftville.hightech" in _ids(view.pack.near_misses)
        db.rollback()
    assert _kept_versions(engine, a) == []
    with unit_of_work(engine) as db:  # the next writer: the office's correction
        registry.upsert(db, {"uscc": uscc, "high_tech": True})
        service.match_all(db, load_catalog(), _items(engine), AS_OF, enterprise_ids=[a])
    assert "giftville.hightech" in _ids(_view(engine, uscc, settings).pack.eligible)
    # Committed, a first visit's re-match is kept (one build serves the next request).
    with unit_of_work(engine) as db:
        service.match_all(db, load_catalog(), _items(engine), date(2025, 5, 1),
                          enterprise_ids=[a])
    first = _view(engine, uscc, settings)
    assert _view(engine, uscc, settings) is first

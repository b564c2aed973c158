"""政策礼包 as pages and the API use it: whose pack, which items, supplying facts, explanations.

Access is one chokepoint, `enterprise_for`: an enterprise account reaches only its own
enterprise (actor.enterprise_uscc), the office any enterprise read-only; anyone else, or an
unknown USCC, gets the same NotFound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import engine_scoped, is_read_only
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.kit.oncommit import on_commit
from huiqi.kit.settings import Settings, policy_date_for
from huiqi.matching import service
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.registry import service as registry
from huiqi.registry.service import fact_fields, is_blank, load_catalog, to_text
from huiqi.rules import FieldSpec, Item, describe_criterion, facts_by_money, field_reaches

NOT_FOUND = "页面不存在，或您没有访问权限。"


@dataclass(frozen=True)
class Owner:
    id: int
    uscc: str
    name: str
    region: str | None


@dataclass
class PackView:
    owner: Owner
    as_of: date
    pack: service.GiftPack
    fact_fields: list[FieldSpec]  # facts the unknown items still need (the form)
    needed_by: dict[str, list[str]]  # fact name → titles of the items that need it
    profile_missing: list[FieldSpec]  # profile data only the office can correct
    editable: bool  # the enterprise itself (the office view is read-only)
    # item id → the enterprise's latest application of it (grants.standing.Standing)
    standing: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    submitted: dict[str, str] = field(default_factory=dict)
    # What pages and the API made of this view (its entry cards, its JSON), kept with it.
    memo: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)

    def remember(self, key: Hashable, make: Any) -> Any:
        """`make()`, computed once per kept view (a view with form errors is not kept)."""
        if self.errors or self.submitted:
            return make()
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = make()
        return found

    def with_errors(self, errors: dict[str, str], submitted: dict[str, str]) -> PackView:
        """A copy showing a refused form (the cached view itself stays clean)."""
        return replace(self, errors=errors, submitted=submitted, memo={})

    @property
    def base(self) -> str:
        """Where this pack's pages live (explanations hang below it)."""
        return "/gift-pack" if self.editable else f"/gift-pack/enterprises/{self.owner.uscc}"


def enterprise_for(session: Session, actor: Actor, uscc: str | None = None) -> Owner:
    """The enterprise whose pack `actor` may read; `uscc` is for the office only."""
    return _owner(session, actor, uscc)[0]


def _owner(session: Session, actor: Actor, uscc: str | None) -> tuple[Owner, int]:
    """`enterprise_for` and the enterprise's match version, in one query."""
    if actor.role is Role.ENTERPRISE:
        wanted = actor.enterprise_uscc
        if wanted is None or (uscc is not None and uscc != wanted):
            raise NotFound(NOT_FOUND)
    elif actor.role is Role.OFFICE and uscc:
        wanted = uscc
    else:
        raise NotFound(NOT_FOUND)
    found = service.owner_by_uscc(session, wanted)
    if found is None:
        raise NotFound("未找到该企业的登记信息，请联系营商办完善企业信息。"
                       if actor.role is Role.ENTERPRISE else NOT_FOUND)
    ent_id, code, name, region, version = found
    return Owner(ent_id, code, name or code, region), version


def items_for(session: Session, owner: Owner, as_of: date) -> tuple[Item, ...]:
    """Published items in force on the policy date, of the enterprise's region."""
    return policies.in_force(session, as_of, owner.region).items


def view(session: Session, actor: Actor, clock: Clock, settings: Settings | None = None,
         uscc: str | None = None) -> PackView:
    """The pack as stored now. A pack is a function of (enterprise, policy date, published
    items, the enterprise's match results), so it is kept keyed on exactly these (the items by
    their revision in this database's `policies.service.items`), the results
    by their match version (raised in the same transaction as every write of them): supplying
    a fact or re-matching raises the version, publishing changes the items, and the next
    request builds it anew; nothing needs to remember to invalidate it (and several processes
    agree)."""
    owner, version = _owner(session, actor, uscc)
    as_of = policy_date_for(clock, settings)
    offered = policies.in_force(session, as_of, owner.region)
    items = offered.items
    editable = actor.role is Role.ENTERPRISE
    standing = _standing(session, owner)
    # the match version last: replaced below when this request re-matched
    key = (owner, as_of, editable, offered.revision, tuple(sorted(standing.items())), version)
    cache = pack_cache(session)
    found = cache.get(key)
    if found is None:
        catalog = load_catalog()
        results = service.results(session, catalog, owner.id, items, as_of)
        rows = results.rows
        if results.rematched:  # read the new rows between two version reads too (see below)
            version = service.match_version(session, owner.id)
            key = (*key[:-1], version)
            rows = service.results(session, catalog, owner.id, items, as_of, refresh=False).rows
        found = _view(owner, as_of, service.pack(items, rows), editable=editable)
        found.standing = standing
        # a read-only session's re-match committed apart already: its rows are not "ours"
        _keep(session, cache, key, found, service.match_version(session, owner.id) == version,
              results.rematched and not is_read_only(session))
    if editable:  # the enterprise opened its own 礼包: at most one write per kept view and day
        day = clock.today_local()
        found.remember(("opened", day), lambda: _opened(session, owner.uscc, day))
    return found


def _opened(session: Session, uscc: str, day: date) -> bool:
    from sqlalchemy.exc import OperationalError

    from huiqi.matching import repository

    try:
        return repository.record_opening(session, uscc, day)
    except OperationalError:  # SQLite busy past its timeout: the page matters more
        return False


def _standing(session: Session, owner: Owner) -> dict[str, Any]:
    """The enterprise's applications by item: part of the view (a state shown on each card)."""
    from huiqi.grants.service import standings  # grants builds on matching, not the reverse

    return standings(session, owner.uscc)


def _keep(session: Session, cache: _Lru, key: tuple[Any, ...], built: PackView,
          unchanged: bool, ours: bool) -> None:
    """Keep a built view under `key` only if its rows are known to be those of the version in
    the key. Each statement sees the latest commit (PostgreSQL read committed; SQLite reads
    outside a write transaction), and every write of results raises the version in its own
    transaction: so if the version read before the rows equals the one read after them
    (`unchanged`), no write committed in between and the rows are that version's. Rows this
    transaction wrote itself (`ours`) are that version's only once it commits: kept then, and
    never if it rolls back (the next writer would reuse the number for other rows)."""
    if not unchanged:
        return
    if ours:
        on_commit(session, lambda _engine: _put(cache, key, built))
    else:
        cache.put(key, built)


class _Lru:
    """A small thread-safe LRU of built pack views (requests run in a thread pool)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, PackView] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> PackView | None:
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
            return found

    def put(self, key: Hashable, value: PackView) -> PackView:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def _put(cache: _Lru, key: tuple[Any, ...], built: PackView) -> None:
    cache.put(key, built)


def pack_cache(session: Session) -> _Lru:
    """The built pack views of the session's database (512, least recently used dropped)."""
    return engine_scoped(session.get_bind(), "matching.packs", lambda: _Lru(512))


def _view(owner: Owner, as_of: date, pack: service.GiftPack, *, editable: bool) -> PackView:
    catalog = load_catalog()
    needed: dict[str, list[str]] = {}
    # Unknown items, and eligible ones whose amount still needs a fact (e.g. the loan rate).
    for entry in (*pack.unknown, *(e for e in pack.eligible if e.missing)):
        for name in entry.missing:
            needed.setdefault(name, []).append(entry.item.title)
    # asked most money first (rules/_reach.py): the sum of each fact's reach in the items
    asking = (*pack.unknown, *pack.eligible)
    blocked = {name: [_reaches(e.item, as_of).get(name, Fraction(0)) for e in asking
                      if name in e.missing] for name in needed}
    order = facts_by_money(blocked, [s.name for s in catalog])
    specs = [catalog[n] for n in order if n in catalog]
    return PackView(owner, as_of, pack, [s for s in specs if s.kind == "fact"],
                    needed, [s for s in specs if s.kind != "fact"], editable)


@lru_cache(maxsize=4096)
def _reaches(item: Item, as_of: date) -> dict[str, Fraction | None]:
    return field_reaches(item.bound_ir(as_of))


def parse_facts(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce supplied facts (blank = not given); ValidationFailed names every bad field."""
    catalog = load_catalog()
    facts = {s.name for s in fact_fields()}
    coerced = registry.coerce_facts({n: v for n, v in raw.items() if not is_blank(v)})
    values = coerced.values
    problems = {**{n: "不是可由企业填报的申报信息" for n in raw if n not in facts},
                **coerced.problems}
    if problems:
        text = "；".join(f"{catalog[n].label if n in catalog else n}：{m}"
                         for n, m in problems.items())
        raise ValidationFailed(f"填报信息有误，未保存：{text}", details=problems)
    if not values:
        raise ValidationFailed("请至少填写一项信息后再保存。", details={})
    return values


def supply_facts(session: Session, actor: Actor, clock: Clock, raw: Mapping[str, Any],
                 settings: Settings | None = None) -> tuple[PackView, list[str]]:
    """Store the enterprise's facts, re-match it at once; (the new pack, titles now eligible)."""
    if actor.role is not Role.ENTERPRISE:
        raise NotFound(NOT_FOUND)
    owner = enterprise_for(session, actor)
    values = parse_facts(raw)
    ent = registry.require_by_uscc(session, owner.uscc)
    before = registry.get_facts(session, ent)
    as_of = policy_date_for(clock, settings)
    items = items_for(session, owner, as_of)
    catalog = load_catalog()
    before_rows = service.results(session, catalog, owner.id, items, as_of).rows
    was = {e.item.id for e in service.pack(items, before_rows).eligible}
    registry.set_facts(session, ent, values)
    audit.record(session, actor, "matching.facts_supply", ("enterprise", owner.id),
                 before={n: to_text(before.get(n)) for n in values},
                 after={n: to_text(v) for n, v in values.items()}, at=clock.now())
    service.match_all(session, catalog, items, as_of, enterprise_ids=[owner.id])
    rows = service.results(session, catalog, owner.id, items, as_of, refresh=False).rows
    pack = service.pack(items, rows)
    gained = [e.item.title for e in pack.eligible if e.item.id not in was]
    built = _view(owner, as_of, pack, editable=True)
    built.standing = _standing(session, owner)
    return built, gained


def explanation(session: Session, actor: Actor, clock: Clock, item_id: str,
                settings: Settings | None = None, uscc: str | None = None,
                ) -> tuple[Item, list[str]]:
    owner = enterprise_for(session, actor, uscc)
    as_of = policy_date_for(clock, settings)
    item = next((i for i in items_for(session, owner, as_of) if i.id == item_id), None)
    if item is None:
        raise NotFound(f"政策事项“{item_id}”不存在、未发布或不适用于该企业。")
    return item, service.explain_items(session, load_catalog(), owner.id, [item], as_of)[item.id]


def explanations(session: Session, v: PackView) -> dict[str, list[str]]:
    """Explanations of every entry of a pack (the API's explain=true)."""
    shown = [e.item for e in (*v.pack.eligible, *v.pack.unknown, *v.pack.near_misses)]
    return service.explain_items(session, load_catalog(), v.owner.id, shown, v.as_of)


@lru_cache(maxsize=4096)
def criterion_text(item: Item, name: str) -> str:
    """How a failed criterion reads to the enterprise: its note, else its rule in the
    catalog's Chinese labels."""
    return describe_criterion(item, name, load_catalog(), item.starts)


def amount_pending(entry: service.PackEntry) -> str | None:
    """"金额待补充：…" for an eligible entry whose amount needs facts (ranked, most money first),
    else None."""
    if entry.eligible is not True or entry.amount is not None or not entry.missing:
        return None
    return "金额待补充：" + "、".join(labels(entry.missing))


def labels(names: Sequence[str]) -> list[str]:
    catalog = load_catalog()
    return [catalog[n].label if n in catalog else n for n in names]

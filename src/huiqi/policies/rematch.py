"""After a publication or withdrawal: re-match every enterprise against the published items in
force, and tell the enterprises that became eligible for an item (eligible now, not before).

One notification per enterprise account per publication, naming every new item; enterprises with
the same new items share one `notify` call, so 2,400 enterprises cost a handful of flushes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from huiqi.matching.service import match_all
from huiqi.notify.service import notify
from huiqi.policies import repository as repo
from huiqi.registry.service import load_catalog
from huiqi.rules import Item

GIFT_PACK = "/gift-pack"


@dataclass(frozen=True)
class RematchReport:
    enterprises: int  # enterprises re-matched
    items: int  # published items in force, matched
    newly_eligible: int  # enterprises eligible for at least one item they were not before
    notified: int  # accounts notified
    seconds: float


def rematch(session: Session, items: Sequence[Item], as_of: date) -> RematchReport:
    """Re-match the registry against `items` (the published items in force) and notify."""
    started = time.perf_counter()
    in_force = [i for i in items if i.in_force(as_of)]
    ids = [i.id for i in in_force]
    before = repo.eligible_pairs(session, ids)
    stats = match_all(session, load_catalog(), in_force, as_of)
    new = repo.eligible_pairs(session, ids) - before
    by_enterprise: dict[int, set[str]] = {}
    for enterprise_id, item_id in new:
        by_enterprise.setdefault(enterprise_id, set()).add(item_id)
    notified = _notify(session, {i.id: i for i in in_force}, by_enterprise)
    enterprises = stats.enterprises if in_force else repo.enterprise_count(session)
    return RematchReport(enterprises, len(in_force), len(by_enterprise), notified,
                         round(time.perf_counter() - started, 3))


def _notify(session: Session, items: dict[str, Item], by_enterprise: dict[int, set[str]]) -> int:
    accounts = repo.enterprise_accounts(session, list(by_enterprise))
    groups: dict[frozenset[str], list[int]] = {}
    for enterprise_id, item_ids in by_enterprise.items():
        groups.setdefault(frozenset(item_ids), []).extend(accounts.get(enterprise_id, []))
    notified = 0
    for item_ids, users in sorted(groups.items(), key=lambda g: sorted(g[0])):
        if users:
            title, body = message([items[i] for i in sorted(item_ids)])
            notify(session, users, title, body, GIFT_PACK)
            notified += len(users)
    return notified


def message(items: Sequence[Item]) -> tuple[str, str]:
    if len(items) == 1:
        title = f"新政策：您可享受“{items[0].title}”"
    else:
        title = f"新政策：您可享受 {len(items)} 项新发布的政策"
    lines = [f"· {i.title}（{i.department}）" + ("，免申即享，无需申报" if i.auto_grant else "")
             for i in items]
    body = "根据您的企业信息，以下政策事项您已符合条件：\n" + "\n".join(lines) + \
        "\n详情、测算金额和申报入口见“政策礼包”。"
    return title[:200], body

"""The 政策礼包 panel on the enterprise's home page: counts and the estimated total, read from
the stored match results (the pack page itself re-matches when they are stale)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.settings import policy_date
from huiqi.matching import service
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.registry import service as registry
from huiqi.registry.service import load_catalog
from huiqi.ui.dashboard import Panel, register_panel


def context(db: Session, actor: Actor) -> dict[str, Any]:
    ent = registry.get_by_uscc(db, actor.enterprise_uscc or "")
    if ent is None:
        return {"registered": False}
    items = [v.item for v in policies.published_items(db)
             if policies.covers(v.item.document, ent.region)]
    # Stored results exist only for items matched while in force: no date filter needed here
    # (the panel has no request clock), and no explanations.
    rows = service.results(db, load_catalog(), ent.id, items, policy_date(), refresh=False).rows
    pack = service.pack(items, rows)
    return {"registered": True, "eligible": len(pack.eligible), "total": pack.total,
            "unknown": len(pack.unknown), "near": len(pack.near_misses)}


def register() -> None:
    register_panel(Panel(Role.ENTERPRISE, "matching/_home_panel.html", context, order=10))

"""Eligibility answers for an enterprise from its live 政策礼包 (the executed rules): for the
items the retrieved clauses belong to, whether it qualifies, its amount, the criteria it fails,
the facts still missing. It never recommends an item the enterprise already applied for or
receives, nor one it cannot get."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.grants import service as grants
from huiqi.kit.clock import Clock
from huiqi.knowledge import repository as repo
from huiqi.knowledge.search import Hit
from huiqi.matching import packs

CLOSED = ("rejected", "lapsed", "withdrawn")


def received(session: Session, actor: Actor, uscc: str) -> set[str]:
    """Items the enterprise has applied for or receives (an open or granted application)."""
    return repo.applied_item_ids(session, grants.visible_applications(session, actor), uscc,
                                 CLOSED)


def lines(session: Session, actor: Actor, clock: Clock, uscc: str | None, hits: list[Hit]
          ) -> tuple[list[str], list[str]]:
    """(lines of the answer, ids of the items they speak about)."""
    view = packs.view(session, actor, clock, uscc=uscc)
    owner, pack = view.owner, view.pack
    titles = {i.id: i.title for i in packs.items_for(session, owner, view.as_of)}
    entries = {e.item.id: e for e in (*pack.eligible, *pack.unknown, *pack.near_misses)}
    have = received(session, actor, owner.uscc)
    wanted = [i for h in hits[:5] for i in h.item_ids if i in titles]
    out: list[str] = []
    for item_id in dict.fromkeys(wanted):
        title, entry = titles[item_id], entries.get(item_id)
        if item_id in have:
            out.append(f"「{title}」：{owner.name}已申报或正在享受该事项，无需重复申报。")
        elif entry is not None and entry.eligible:
            amount = f"，预计可得 {entry.amount:,.2f} 元" if entry.amount is not None else ""
            out.append(f"「{title}」：按{owner.name}当前的信息符合全部条件{amount}，可以申报。")
        elif entry is not None and entry.eligible is None:
            missing = "、".join(packs.labels(entry.missing))
            out.append(f"「{title}」：还无法判断，需要{owner.name}补充：{missing}。")
        else:
            failed = entry.failed if entry is not None else []
            why = "；".join(packs.criterion_text(entry.item, n) for n in failed) if entry \
                else "不满足该事项的条件"
            out.append(f"「{title}」：按{owner.name}当前的信息不符合条件（{why}），不推荐申报。")
    return out, list(dict.fromkeys(wanted))

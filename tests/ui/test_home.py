from __future__ import annotations

import pytest

from huiqi.models.user import Role
from huiqi.ui import dashboard
from huiqi.ui.templating import add_template_dir


@pytest.fixture
def enterprise_panel(tmp_path):
    (tmp_path / "panel_probe.html").write_text(
        "<h2>政策礼包</h2><p>可享受 {{ panel.count }} 项（{{ actor.enterprise_uscc }}）</p>",
        encoding="utf-8")
    add_template_dir(tmp_path)
    panel = dashboard.Panel(Role.ENTERPRISE, "panel_probe.html",
                            lambda db, actor: {"count": 3}, order=1)
    dashboard.register_panel(panel)
    yield
    dashboard.PANELS.remove(panel)


def test_role_home_shows_its_panels(enterprise_panel, logged_in) -> None:
    enterprise = logged_in("enterprise")
    page = enterprise.get("/")
    assert f"可享受 3 项（{enterprise.creds.enterprise_uscc}）" in page.text
    assert "政策礼包" not in logged_in("office").get("/").text


def test_home_cards_follow_the_role_menu(logged_in) -> None:
    assert 'href="/admin/users"' in logged_in("office").get("/").text
    assert 'href="/admin/users"' not in logged_in("enterprise").get("/").text

"""Logs after a fuzz run (ASVS 16.2.5, 16.4.1): CR/LF and other control characters in user
input never start a new log line, and no password, token, full mobile, ID or account number
reaches a log line — through logins, Bearer tokens, appeal texts, query strings and a crash
whose message carries all of them."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from huiqi.kit import logsafe
from tests.fixtures.web import login
from tests.grants.conftest import World
from tests.grants.web import Clients
from tests.security.objects import add_category

FORGED = "INFO huiqi: admin logged in"
SECRETS = ["S3cret-Pass\r\nword!", "hq_live_0123456789abcdefXYZ", "13800001111",
           "6222021234567890123", "11010519491231002X", "Pa55-w0rd-Fuzz"]
INPUTS = [f"x\r\n{FORGED}", f"y\n{FORGED} {SECRETS[2]}", f"z\u2028{FORGED}\x1b[31m",
          f"w\r{FORGED} password={SECRETS[5]} {SECRETS[3]} {SECRETS[4]}"]


def test_no_forged_lines_and_no_secrets_in_logs(world: World, web: Clients,
                                               caplog: pytest.LogCaptureFixture) -> None:
    add_category(world)
    caplog.set_level(logging.DEBUG)
    app = web.app

    @app.get("/fuzz-crash")
    def crash(q: str) -> None:
        logging.getLogger("huiqi.fuzz").warning("handling %s", q)
        raise RuntimeError(f"crash on {q}")

    anon = web.stack.enter_context(TestClient(app, raise_server_exceptions=False,
                                              follow_redirects=False))
    for text in INPUTS:
        login(anon, (text, SECRETS[0]), second_step=False)
        anon.get("/api/v1/grants/applications", headers={
            "Authorization": f"Bearer {SECRETS[1]}{quote(text)}"})
        anon.get("/fuzz-crash", params={"q": f"{text} token={SECRETS[1]}"})
        anon.get(f"/nowhere/{quote(text)}?password={SECRETS[5]}")
    api = web.api("ent_a")
    for text in INPUTS:
        api.post("/api/v1/appeals", json={"category": "其他", "title": text,
                                          "description": text, "contact_phone": SECRETS[2]})
    records = [r for r in caplog.records if r.name != "httpx"]  # the test's own client
    assert any(r.getMessage().startswith("handling") for r in records)
    assert any(r.exc_info and "crash on" in (r.exc_text or "") for r in records)  # the 500
    text = "\n".join(caplog.handler.format(r) for r in records)  # tracebacks included
    lines = text.splitlines()
    assert not [ln for ln in lines if ln.startswith(FORGED) or ln.lstrip().startswith(FORGED)]
    for r in records:
        assert not set(r.getMessage()) & set("\r\n\x1b\u2028"), r.getMessage()
    for secret in SECRETS:
        for part in secret.split("\r\n"):
            assert part not in text, part


def test_clean_masks_and_escapes() -> None:
    out = logsafe.clean("a\r\nb password=hunter2 Bearer abcdefgh12345 13812345678")
    assert out == "a\\r\\nb password=*** Bearer *** 138****5678"

"""Notifications: in-app inbox plus an outbox per channel, delivered after commit.

Public API: `huiqi.notify.service.notify(session, user_ids, title, body, link)`.
"""

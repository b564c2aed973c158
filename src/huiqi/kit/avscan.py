"""Anti-virus scan of uploads through ClamAV's daemon (clamd), pluggable by configuration:
`HUIQI_CLAMD=unix:/run/clamav/clamd.ctl` or `tcp:127.0.0.1:3310`. Unset, no scan is made (the
operator's choice, documented in docs/security.md; signatures are updated by the operator's
freshclam, never by Huiqi). Set, every upload is streamed to clamd (INSTREAM) before it is
stored: a file clamd names is refused (422), and if clamd cannot be reached or answers anything
else the upload is refused too (503: fail closed, never stored unscanned)."""

from __future__ import annotations

import os
import socket
import struct

from huiqi.kit.errors import HuiqiError, ValidationFailed

ENV = "HUIQI_CLAMD"
CHUNK = 64 * 1024
TIMEOUT = 30.0


class VirusFound(ValidationFailed):
    code = "upload_infected"


class ScanUnavailable(HuiqiError):
    status_code = 503
    code = "av_unavailable"


def _connect(target: str) -> socket.socket:
    kind, _, where = target.partition(":")
    if kind == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.connect(where)
        return sock
    if kind == "tcp":
        host, _, port = where.rpartition(":")
        return socket.create_connection((host, int(port)), timeout=TIMEOUT)
    raise ValueError(f"{ENV} must be unix:<path> or tcp:<host>:<port>, not {target!r}")


def _instream(target: str, data: bytes) -> str:
    with _connect(target) as sock:
        sock.sendall(b"zINSTREAM\0")
        for i in range(0, len(data), CHUNK):
            part = data[i:i + CHUNK]
            sock.sendall(struct.pack(">I", len(part)) + part)
        sock.sendall(struct.pack(">I", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            got = sock.recv(4096)
            if not got:
                break
            reply += got
    return reply.rstrip(b"\0").decode("utf-8", "replace")


def scan(data: bytes, filename: str) -> None:
    """Nothing when clean or unconfigured; VirusFound or ScanUnavailable otherwise."""
    target = os.environ.get(ENV, "").strip()
    if not target:
        return
    try:
        reply = _instream(target, data)
    except (OSError, ValueError) as exc:
        raise ScanUnavailable("病毒扫描服务暂不可用，文件未保存，请稍后再试或联系管理员。") \
            from exc
    if reply.endswith(" FOUND"):
        name = reply.removeprefix("stream:").removesuffix(" FOUND").strip()
        raise VirusFound(f"文件“{filename}”未通过病毒扫描（{name}），已拒收。")
    if not reply.endswith(" OK"):
        raise ScanUnavailable("病毒扫描未能完成，文件未保存，请稍后再试或联系管理员。")

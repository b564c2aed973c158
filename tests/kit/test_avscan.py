"""Uploads go through clamd when HUIQI_CLAMD is set: a fake clamd on a Unix socket speaks the
INSTREAM protocol (chunks of 4-byte length + data, a zero chunk, a NUL-terminated reply) and
names the EICAR test string; a named file is refused, a clean one stored, and an unreachable
daemon refuses the upload (fail closed). Unset, nothing is scanned."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from huiqi.kit import avscan, uploads

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _serve(server: socket.socket, seen: list[bytes]) -> None:
    while True:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            buf = b""
            while b"\0" not in buf:
                buf += conn.recv(64)
            assert buf.startswith(b"zINSTREAM\0")
            rest, data = buf[len(b"zINSTREAM\0"):], b""
            while True:
                while len(rest) < 4:
                    rest += conn.recv(4096)
                (n,), rest = struct.unpack(">I", rest[:4]), rest[4:]
                if n == 0:
                    break
                while len(rest) < n:
                    rest += conn.recv(65536)
                data, rest = data + rest[:n], rest[n:]
            seen.append(data)
            found = EICAR in data
            conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")


@pytest.fixture
def clamd(tmp_path: Path) -> Iterator[tuple[str, list[bytes]]]:
    path = tmp_path / "clamd.ctl"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    seen: list[bytes] = []
    thread = threading.Thread(target=_serve, args=(server, seen), daemon=True)
    thread.start()
    yield f"unix:{path}", seen
    server.close()


def _store(root: Path, data: bytes) -> uploads.StoredFile:
    return uploads.store(Session(), root, BytesIO(data), "证明.pdf", 10 * 1024 * 1024)


def test_infected_refused_clean_stored(clamd, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    target, seen = clamd
    monkeypatch.setenv(avscan.ENV, target)
    big = PDF[:-6] + b"%" + b"0" * 200_000 + b"\n%%EOF\n"  # several INSTREAM chunks
    stored = _store(tmp_path / "up", big)
    assert (tmp_path / "up" / stored.stored_name).read_bytes() == big and seen[-1] == big
    infected = PDF[:-6] + b"%" + EICAR + b"\n%%EOF\n"
    with pytest.raises(avscan.VirusFound, match="Eicar-Test-Signature"):
        _store(tmp_path / "up2", infected)
    assert not list((tmp_path / "up2").rglob("*.pdf"))


def test_unreachable_daemon_refuses_and_unset_means_no_scan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(avscan.ENV, f"unix:{tmp_path / 'absent.ctl'}")
    with pytest.raises(avscan.ScanUnavailable) as refused:
        _store(tmp_path / "up", PDF)
    assert refused.value.status_code == 503
    assert not list((tmp_path / "up").rglob("*.pdf"))
    monkeypatch.delenv(avscan.ENV)
    assert _store(tmp_path / "up", PDF).size == len(PDF)

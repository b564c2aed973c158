"""Log lines that cannot be forged and carry no secrets (ASVS 16.2.5, 16.4.1): every log record
made in the process (ours, uvicorn's, libraries') formats its message with CR, LF and other
control characters escaped (`\\n`), so user input in a message cannot start a new line, and
with secrets masked: Bearer tokens and API keys, `password=`/`token=` values, mobile numbers
(138****5678), 18-character ID numbers and 12–19 digit account numbers. A traceback keeps its
frame lines (code, not input); its exception message line is cleaned the same way.

`install()` sets the log-record factory once per process (create_app and `huiqi serve`)."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from huiqi.kit import masking

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\n]")
_SECRET_KV = re.compile(r"(?i)\b(password|passwd|pwd|token|secret|api_key|code|otp)"
                        r"(\s*(?:[=:]|%3[Dd])\s*)(\"[^\"]*\"|'[^']*'|[^\s&]+)")
_BEARER = re.compile(r"(?i)\b(bearer|api[-_]key)\s+[A-Za-z0-9._~+/=-]{8,}")
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ACCOUNT = re.compile(r"(?<!\d)\d{12,19}(?!\d)")


def clean(text: str) -> str:
    text = _BEARER.sub(lambda m: f"{m.group(1)} ***", text)
    text = _SECRET_KV.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _ID.sub(lambda m: masking.mask_id(m.group(0)), text)
    text = _PHONE.sub(lambda m: masking.mask_phone(m.group(0)), text)
    text = _ACCOUNT.sub(lambda m: masking.mask_account(m.group(0)).replace(" ", ""), text)
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class SafeRecord(logging.LogRecord):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.exc_info and self.exc_info[1] is not None:
            kind, exc, tb = self.exc_info
            last = "".join(traceback.format_exception_only(kind, exc)).rstrip("\n")
            self.exc_text = ("Traceback (most recent call last):\n"
                             + "".join(traceback.format_tb(tb)) + clean(last))

    def getMessage(self) -> str:
        return clean(super().getMessage())


def install() -> None:
    if logging.getLogRecordFactory() is not SafeRecord:
        logging.setLogRecordFactory(SafeRecord)

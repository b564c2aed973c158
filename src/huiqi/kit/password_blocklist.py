"""Passwords too common to allow (等保 8.1.4.1a; ASVS 6.2.4/6.2.12), beyond the class rule:

- a common base word with digits or symbols around it, plain or in leetspeak (`Password1`,
  `P@ssw0rd`, `Admin@123`, `Woaini1314!`);
- keyboard walks (`1qaz@WSX`, `Qwer1234!`, `!QAZ2wsx`, `Zxcvbnm,./`) and runs (`Abc123456`).

The base words are the stems of the most used passwords in published breach lists (English and
pinyin); with the digit/symbol/case and leet variants they cover the head of those lists, which
is what an online guesser tries first.
"""

from __future__ import annotations

import re
from itertools import pairwise

BASE_WORDS = frozenset([
    "a", "aa", "aaa", "aaaa", "aaaaaa", "abc", "abcabc", "abcd", "abcde", "abcdef", "access",
    "account", "admin", "adminadmin", "administrator", "aini", "apple", "asdf", "asdfgh",
    "autumn", "baidu", "banana", "bank", "baseball", "batman", "beijing", "business", "buster",
    "changeme", "charlie", "cheese", "chengdu", "china", "chocolate", "chongqing", "company",
    "computer", "cookie", "default", "dragon", "edc", "finance", "flower", "football",
    "freedom", "ginger", "google", "guest", "hello", "huiqi", "hunter", "iloveu", "iloveyou",
    "internet", "jennifer", "jordan", "killer", "letmein", "liwei", "login", "love", "lover",
    "loveyou", "manager", "master", "michael", "money", "monkey", "mypass", "mypassword",
    "nopass", "office", "orange", "p455w0rd", "pa", "pa55word", "pass", "passw0rd", "passwd",
    "passwor", "password", "passwordpassword", "pepper", "princess", "pwd", "qazwsx",
    "qazwsxedc", "qq", "qwert", "qwerty", "ranger", "root", "rootroot", "secret", "secure",
    "security", "service", "shadow", "shanghai", "soccer", "spring", "ssw", "starwars",
    "summer", "sunshine", "superman", "support", "sysadmin", "system", "taobao", "temp",
    "temppass", "tencent", "test", "tester", "thomas", "trustno", "user", "wangwei", "wangyi",
    "wechat", "weixin", "welcome", "whatever", "winter", "woaini", "woainiwo", "wsx", "xsw",
    "zaq", "zhangwei", "zhongguo", "zxcv",
])

# Each key's (row, column) on a US keyboard; rows are staggered like the real ones.
_ROWS = ["1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./"]
_STAGGER = [0.0, 0.5, 0.75, 1.25]
_SHIFTED = dict(zip("!@#$%^&*()_+{}:\"<>?", "1234567890-=[];',./", strict=True))
_POS = {ch: (r, c + _STAGGER[r]) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
_LEET = str.maketrans({"@": "a", "4": "a", "$": "s", "5": "s", "0": "o", "3": "e", "1": "i",
                       "!": "i", "7": "t", "+": "t", "8": "b", "9": "g"})


def _adjacent(a: str, b: str) -> bool:
    if a == b:
        return True
    pa, pb = _POS.get(a), _POS.get(b)
    if pa is None or pb is None:
        return False
    return abs(pa[0] - pb[0]) <= 1 and abs(pa[1] - pb[1]) <= 1.0


def keyboard_walk(password: str) -> bool:
    """Most steps go to a neighbouring key (or the next letter or digit)."""
    keys = "".join(_SHIFTED.get(c, c) for c in password.lower())
    if len(keys) < 6:
        return False
    steps = list(pairwise(keys))
    near = sum(1 for a, b in steps if _adjacent(a, b) or abs(ord(a) - ord(b)) == 1)
    return near / len(steps) >= 0.7


def _stems(password: str) -> set[str]:
    low = password.lower()
    core = re.sub(r"^[^a-z]+|[^a-z]+$", "", low)  # digits and symbols around it: not leet
    return {re.sub(r"[^a-z]", "", low), re.sub(r"[^a-z]", "", low.translate(_LEET)),
            re.sub(r"[^a-z]", "", core.translate(_LEET))}


def is_common(password: str) -> bool:
    stems = _stems(password)
    if stems & BASE_WORDS or "" in stems:
        return True
    if any(len(s) <= 2 and len(password) - len(s) >= 5 for s in stems):
        return True  # a letter or two around a run of digits: Aa123456!, Qq123456
    return keyboard_walk(password)

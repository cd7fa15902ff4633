"""Finding a person by what a colleague types: login, Chinese or English name, or the name's pinyin."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from ...models import User


@lru_cache(maxsize=4096)
def _pinyin_forms(name: str) -> tuple[str, str]:
    """The full pinyin ("zhangsan") and the initials ("zs") of a name."""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    return "".join(syllables).lower(), "".join(s[:1] for s in syllables).lower()


def matches(user: User, typed: str) -> bool:
    text = typed.strip().lower().replace(" ", "")
    if not text:
        return False
    plain = [user.username.lower(), (user.display_name or "").lower(), (user.display_name_en or "").lower()]
    if any(text in value.replace(" ", "") for value in plain):
        return True
    full, initials = _pinyin_forms(user.display_name or "")
    return text in full or text == initials

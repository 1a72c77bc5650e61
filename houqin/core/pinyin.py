"""Pinyin search keys beside Chinese names: type ``dn`` or ``diannao`` to find 电脑."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def pinyin_keys(text: str) -> str:
    """``"电脑室"`` -> ``"电脑室 diannaoshi dns"`` (original, full pinyin, initials; lower case)."""
    text = (text or "").strip()
    if not text:
        return ""
    full = "".join(lazy_pinyin(text, errors="default")).lower().replace(" ", "")
    # Non-Chinese characters are kept one by one, so "JX103" stays "jx103" and 一年级(1)班 -> ynj(1)b.
    initials = "".join(
        p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: list(chars)) if p
    ).lower()
    return " ".join(dict.fromkeys([text.lower(), full, initials]))


def search_text(*parts: str | None) -> str:
    """The value stored in a model's ``search_text`` column for the given name-like parts."""
    return " | ".join(keys for keys in (pinyin_keys(p or "") for p in parts) if keys)[:1000]


def normalise_query(query: str) -> str:
    return " ".join((query or "").split()).lower()[:100]

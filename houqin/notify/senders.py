"""Posting a message to a group robot: 企业微信 (WeCom) and 钉钉 (DingTalk) webhooks.

Only hosts in ``settings.HOUQIN_WEBHOOK_HOSTS`` are allowed (the robots' official hosts by default):
a school admin types the URL, and the server must not be made to post into the school's own
network. Redirects are not followed for the same reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils.translation import gettext as _

from .choices import Provider

TIMEOUT_SECONDS = 10


class SendError(Exception):
    """The robot did not accept the message; the text is shown to the school admin."""


def check_url(url: str) -> str | None:
    """An error message when ``url`` may not be used as a robot address, else None."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return _("地址格式不正确。")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("地址必须以 https:// 开头。")
    allowed = {h.lower() for h in settings.HOUQIN_WEBHOOK_HOSTS}
    if "*" not in allowed and parts.hostname.lower() not in allowed:
        return _("只允许这些主机：%(hosts)s。") % {"hosts": "、".join(sorted(allowed))}
    if parts.scheme != "https" and parts.hostname.lower() not in {"127.0.0.1", "localhost", "::1"}:
        return _("地址必须以 https:// 开头。")
    return None


def dingtalk_signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """DingTalk "加签": HMAC-SHA256 of ``"{timestamp}\\n{secret}"`` with the secret, base64, in the URL."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"


def build_body(provider: str, payload: dict) -> dict:
    title = payload.get("title", "")
    lines = [f"**{title}**"]
    if payload.get("body"):
        lines.append(payload["body"])
    if payload.get("url"):
        lines.append(f"[{_('查看详情')}]({payload['url']})")
    text = "\n\n".join(lines)
    if provider == Provider.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise SendError(_("对方要求跳转到其他地址（%(code)s），已拒绝。") % {"code": code})


_opener = urllib.request.build_opener(_NoRedirect)


def post(*, provider: str, url: str, secret: str, payload: dict) -> None:
    """Send one message; raises SendError with a readable reason."""
    problem = check_url(url)
    if problem:
        raise SendError(problem)
    if provider == Provider.DINGTALK and secret:
        url = dingtalk_signed_url(url, secret)
    data = json.dumps(build_body(provider, payload), ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (scheme and host checked above)
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise SendError(_("HTTP 错误 %(code)s") % {"code": exc.code}) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendError(_("连接失败：%(reason)s") % {"reason": reason}) from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise SendError(_("对方的回答不是 JSON。")) from exc
    errcode = answer.get("errcode", 0) if isinstance(answer, dict) else 0
    if errcode not in (0, "0"):
        raise SendError(
            _("机器人拒绝了消息：%(code)s %(message)s")
            % {"code": errcode, "message": str(answer.get("errmsg", ""))[:200]}
        )

"""Optional LLM rephrasing (diễn đạt lại), off by default.

Set MOTCUA_GUIDE_LLM_URL (an OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1),
MOTCUA_GUIDE_LLM_MODEL and optionally MOTCUA_GUIDE_LLM_KEY. The model only rephrases the composed
answer; its output goes through the same number check, and any failure (a number the record does
not print, a timeout, an error) falls back to the composed answer.
"""

import json
import logging
import os
import urllib.request

from . import numbers

log = logging.getLogger("motcua.guide")
TIMEOUT_S = 5.0
PROMPT = (
    "Viết lại câu trả lời sau bằng tiếng Việt đời thường, ngắn gọn, giữ nguyên mọi con số, "
    "mã thủ tục, tên giấy tờ và số văn bản; không thêm thông tin mới.\n\n"
)


def enabled() -> bool:
    return bool(os.environ.get("MOTCUA_GUIDE_LLM_URL"))


def rephrase(text: str, *, allowed: list[str]) -> str:
    """The rephrased text, or "" (use the composed one) when off or when the check fails."""
    base = os.environ.get("MOTCUA_GUIDE_LLM_URL", "").rstrip("/")
    if not base:
        return ""
    body = json.dumps(
        {
            "model": os.environ.get("MOTCUA_GUIDE_LLM_MODEL", "default"),
            "messages": [{"role": "user", "content": PROMPT + text}],
            "temperature": 0,
        }
    ).encode()
    headers = {"Content-Type": "application/json"}
    if os.environ.get("MOTCUA_GUIDE_LLM_KEY"):
        headers["Authorization"] = f"Bearer {os.environ['MOTCUA_GUIDE_LLM_KEY']}"
    if not base.startswith(("http://", "https://")):
        log.warning("guide: MOTCUA_GUIDE_LLM_URL must be http(s); LLM off")
        return ""
    request = urllib.request.Request(f"{base}/chat/completions", data=body, headers=headers)  # noqa: S310
    try:
        # The scheme is checked above (http or https only).
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            out = json.loads(response.read())["choices"][0]["message"]["content"].strip()
    except Exception as exc:  # noqa: BLE001 — any failure means: show the composed answer
        log.warning("guide: LLM rephrase failed (%s)", type(exc).__name__)
        return ""
    if not out:
        return ""
    bad = numbers.unsupported(out, [*allowed, text])
    if bad:
        log.warning("guide: LLM rephrase dropped, %d number(s) not in the record", len(bad))
        return ""
    return out

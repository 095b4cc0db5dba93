"""Optional LLM rephrasing (diễn đạt lại), off by default.

Set MOTCUA_GUIDE_LLM_URL (an OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1),
MOTCUA_GUIDE_LLM_MODEL and optionally MOTCUA_GUIDE_LLM_KEY. The model only rephrases the composed
answer; its output goes through the same number check, and any failure (a number the record does
not print, a timeout, an error) falls back to the composed answer.

The backend is the family "guide_llm" of core.adapters (GuideConfig.ready): "off" (the default and
the demo plugin: the composed answer as it is) or "openai" (an OpenAI-compatible endpoint), named
by the setting MOTCUA_GUIDE_LLM or, without it, "openai" exactly when MOTCUA_GUIDE_LLM_URL is set.
"""

import json
import logging
import os
import urllib.request

from django.conf import settings

from motcua.core import adapters

from . import numbers

log = logging.getLogger("motcua.guide")
TIMEOUT_S = 5.0
PROMPT = (
    "Viết lại câu trả lời sau bằng tiếng Việt đời thường, ngắn gọn, giữ nguyên mọi con số, "
    "mã thủ tục, tên giấy tờ và số văn bản; không thêm thông tin mới.\n\n"
)


def chosen() -> str:
    """The configured backend's name: MOTCUA_GUIDE_LLM, else "openai" when a URL is set, else "off"."""
    named = getattr(settings, "MOTCUA_GUIDE_LLM", "")
    return named or ("openai" if os.environ.get("MOTCUA_GUIDE_LLM_URL") else "off")


def enabled() -> bool:
    return adapters.configured_name("guide_llm") != "off"


def rephrase(text: str, *, allowed: list[str]) -> str:
    """The rephrased text, or "" (use the composed one) when off or when the check fails."""
    return adapters.get("guide_llm")(text, allowed=allowed)


def register_adapters() -> None:
    """The "guide_llm" family (GuideConfig.ready): "off" and "openai"."""
    adapters.declare("guide_llm", setting="MOTCUA_GUIDE_LLM", default="off", choose=chosen)
    adapters.register("guide_llm", "off", off)
    adapters.register("guide_llm", "openai", openai_compatible)


def off(text: str, *, allowed: list[str]) -> str:
    """No model: the composed answer is shown as it is."""
    return ""


def openai_compatible(text: str, *, allowed: list[str]) -> str:
    """Rephrased by the OpenAI-compatible endpoint at MOTCUA_GUIDE_LLM_URL, checked number by number."""
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

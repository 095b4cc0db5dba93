"""A Standard Webhooks receiver written from the specification (standardwebhooks.com), sharing no
code with motcua's signer: what a subscribed system's off-the-shelf verifier does.

  signed content = "<webhook-id>.<webhook-timestamp>.<body>"
  key            = base64-decode(secret without its "whsec_" prefix)
  webhook-signature = space-separated "v1,<base64 HMAC-SHA256(key, signed content)>"
"""

import base64
import hashlib
import hmac
import time


def verify(secret: str, body: bytes, headers, tolerance: int = 300, now: float | None = None) -> bool:
    headers = {k.lower(): v for k, v in dict(headers).items()}
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and stamp and signatures):
        return False
    try:
        stamp_int = int(stamp)
        key = base64.b64decode(
            secret[len("whsec_") :] if secret.startswith("whsec_") else secret, validate=True
        )
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - stamp_int) > tolerance:
        return False
    content = msg_id.encode() + b"." + stamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for entry in signatures.split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False

"""Password strength (độ mạnh mật khẩu): a zxcvbn estimate on top of Django's length and list rules.

Length and the common-password list let `aaaaaaaaaaaa` and `qwertyuiopas` through; zxcvbn scores
repeats, keyboard walks, dates and words, and the user's own name and username, which is what a
guesser tries first.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

#: zxcvbn only looks at this many characters: it is slow on very long input, and a longer
#: password is already strong enough.
_MAX_CHARS = 100


class StrengthValidator:
    """Refuse passwords zxcvbn scores below `min_score` (0–4; 3 ≈ 10^8 guesses, "safely unguessable")."""

    def __init__(self, min_score: int = 3):
        if not 0 <= min_score <= 4:
            raise ValueError("min_score must be between 0 and 4")
        self.min_score = min_score

    def validate(self, password, user=None):
        hints = [
            str(value)
            for value in (
                getattr(user, "username", ""),
                getattr(user, "full_name", ""),
                getattr(user, "email", ""),
                getattr(user, "personal_id", ""),
                getattr(user, "phone", ""),
            )
            if value
        ]
        result = zxcvbn(password[:_MAX_CHARS], user_inputs=hints)
        if result["score"] < self.min_score:
            raise ValidationError(
                _(
                    "Mật khẩu này quá dễ đoán (lặp ký tự, dãy phím, ngày tháng, từ thông dụng hoặc "
                    "tên của bạn). Hãy dùng một câu dài gồm nhiều từ không liên quan."
                ),
                code="password_too_guessable",
            )

    def get_help_text(self):
        return _("Mật khẩu không được dễ đoán: tránh lặp ký tự, dãy phím, ngày tháng và tên của bạn.")

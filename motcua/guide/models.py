"""The assistant's log (nhật ký trợ lý): one row per question, scrubbed of personal data,
for the metrics (answers, abstentions, handovers, ratings)."""

from django.conf import settings
from django.db import models


class Exchange(models.Model):
    """Một lượt hỏi đáp với trợ lý ảo."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "Đã trả lời"
        OUT_OF_SCOPE = "out_of_scope", "Ngoài phạm vi danh mục"
        LOW_CONFIDENCE = "low_confidence", "Không chắc thủ tục nào"
        NO_DETAILS = "no_details", "Danh mục chưa có chi tiết"
        NUMBER_CHECK = "number_check", "Không qua kiểm tra số liệu"
        PERSON = "person", "Muốn gặp cán bộ"
        OWN_DOSSIERS = "own_dossiers", "Hồ sơ của tôi"
        SIGN_IN = "sign_in", "Cần đăng nhập"

    class Rating(models.TextChoices):
        NONE = "", "Chưa đánh giá"
        USEFUL = "useful", "Hữu ích"
        NOT_USEFUL = "not_useful", "Chưa hữu ích"

    asked_at = models.DateTimeField("hỏi lúc", auto_now_add=True, db_index=True)
    channel = models.CharField("kênh", max_length=8, default="web")
    #: The question with ID numbers, phone numbers, e-mail addresses and names removed.
    question = models.CharField("câu hỏi (đã che dữ liệu cá nhân)", max_length=500)
    procedure_code = models.CharField("thủ tục", max_length=32, blank=True)
    outcome = models.CharField("kết quả", max_length=16, choices=Outcome.choices)
    intents = models.JSONField("ý định", default=list)
    elapsed_ms = models.PositiveIntegerField("thời gian (ms)", default=0)
    #: Lets the asker rate the answer without an account; never shown to anyone else.
    token = models.CharField(max_length=32, unique=True)
    rating = models.CharField("đánh giá", max_length=12, choices=Rating.choices, default="", blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    handover = models.ForeignKey(
        "feedback.FeedbackCase", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "lượt hỏi trợ lý"
        verbose_name_plural = "lượt hỏi trợ lý"
        ordering = ["-asked_at"]

    def __str__(self) -> str:
        return f"{self.asked_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"

    #: Outcomes where the assistant answered (from the catalog, or from the person's own dossiers).
    ANSWERS = ("answered", "own_dossiers")

    @property
    def abstained(self) -> bool:
        return self.outcome not in self.ANSWERS

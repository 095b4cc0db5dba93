"""Ratings (đánh giá mức độ hài lòng) and feedback cases (phản ánh, kiến nghị) (floor 4)."""

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "motcua.feedback"
    label = "feedback"
    verbose_name = "Đánh giá, phản ánh kiến nghị"

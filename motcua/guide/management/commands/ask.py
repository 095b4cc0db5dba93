"""`motcua ask "QUESTION" --json` and `motcua ask --batch FILE --json` (one object per line)."""

import json

from django.core.management.base import BaseCommand, CommandError

from motcua.guide.services import GuideError, answer


class Command(BaseCommand):
    help = "Hỏi trợ lý: trả lời từ danh mục thủ tục, có trích dẫn; --json in một đối tượng JSON."

    def add_arguments(self, parser):
        parser.add_argument("question", nargs="?", help="câu hỏi, có hoặc không dấu")
        parser.add_argument("--batch", help="tệp mỗi dòng một câu hỏi")
        parser.add_argument("--json", action="store_true", help="in JSON (một đối tượng mỗi câu hỏi)")

    def _one(self, question: str, as_json: bool) -> None:
        try:
            result = answer(question).as_json()
        except GuideError as exc:
            result = {
                "answer": str(exc),
                "abstained": True,
                "procedure": None,
                "candidates": [],
                "citations": [],
            }
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(result["answer"])
            if result["candidates"]:
                self.stdout.write("Thủ tục gần nhất: " + ", ".join(result["candidates"]))

    def handle(self, *args, question=None, batch=None, json=False, **options):
        if bool(question) == bool(batch):
            raise CommandError("Cho một câu hỏi, hoặc --batch TỆP (không cả hai).")
        if question:
            self._one(question, json)
            return
        try:
            with open(batch, encoding="utf-8") as handle:
                lines = [line.strip() for line in handle]
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {batch}: {exc.strerror}") from exc
        for line in lines:
            if line:
                self._one(line, json)

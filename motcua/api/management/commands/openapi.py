"""`motcua openapi [--check] [--output PATH]`: the OpenAPI document of /api/v1/, from the code.

Writes docs/api/openapi.json (sorted keys, stable). `--check` writes nothing and fails, with a
diff, when the committed file differs from what the code generates (CI runs the same check as a
test: motcua/api/tests/test_openapi.py).
"""

import difflib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.api.api import render_document

DEFAULT = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json"
REGENERATE = "motcua openapi   (or: .venv/bin/python manage.py openapi)"


def committed_path() -> Path:
    return DEFAULT


class Command(BaseCommand):
    help = "Sinh tài liệu OpenAPI của /api/v1/ vào docs/api/openapi.json; --check: chỉ so sánh."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="so sánh, không ghi; lỗi khi khác")
        parser.add_argument("--output", default=str(DEFAULT))

    def handle(self, *args, check, output, **options):
        path = Path(output)
        text = render_document()
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                diff = "".join(
                    list(
                        difflib.unified_diff(
                            current.splitlines(keepends=True),
                            text.splitlines(keepends=True),
                            fromfile=str(path),
                            tofile="generated",
                            n=1,
                        )
                    )[:80]
                )
                self.stderr.write(diff)
                raise CommandError(f"{path} khác với tài liệu sinh từ mã nguồn. Sinh lại: {REGENERATE}")
            self.stdout.write(f"{path}: khớp với mã nguồn.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Đã ghi {path} ({len(text)} ký tự).")

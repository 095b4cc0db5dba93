"""`motcua backup --out DIR`: an encrypted backup of the database, uploaded files and keys."""

from django.core.management.base import BaseCommand, CommandError

from motcua.core import backup


class Command(BaseCommand):
    help = (
        "Sao lưu mã hóa cơ sở dữ liệu, tệp tải lên và khóa vào một thư mục "
        "(khóa: MOTCUA_BACKUP_KEY hoặc MOTCUA_BACKUP_KEY_FILE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", help="thư mục mới cho bản sao lưu")
        parser.add_argument("--generate-key", action="store_true", help="in một khóa sao lưu mới rồi dừng")

    def handle(self, *args, out=None, generate_key=False, **options):
        if generate_key:
            self.stdout.write(backup.generate_key())
            return
        if not out:
            raise CommandError("Cần --out THƯ_MỤC.")
        try:
            report = backup.backup(out)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in backup.iter_lines(report):
            self.stdout.write(line)

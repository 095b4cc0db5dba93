"""manage.py signing (or `motcua signing`): the sandbox certification authority and signature checks.

    motcua signing init [--province "Tỉnh Sơn La"]   # create the sandbox CA if missing (idempotent)
    motcua signing show                              # the CA: subject, SHA-256 fingerprint, validity
    motcua signing verify FILE.pdf                   # check the signatures of a PDF (exit 1 if invalid)

The fingerprint is what an operator compares when importing ca.cert.pem into a PDF reader's
trusted certificates.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.core.signing import CertificateInfo, SandboxCA, verify_pdf


def _fmt(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M:%S %z") if moment else "—"


class Command(BaseCommand):
    help = "CA sandbox cho chữ ký số (init, show) và kiểm tra chữ ký số của tệp PDF (verify)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{init,show,verify}")
        init = actions.add_parser("init", help="tạo CA sandbox nếu chưa có (chạy lại không tạo mới)")
        init.add_argument("--province", help="tên tỉnh trong tên CA (mặc định: MOTCUA_SANDBOX_CA_PROVINCE)")
        actions.add_parser("show", help="in thông tin CA sandbox")
        verify = actions.add_parser("verify", help="kiểm tra chữ ký số của một tệp PDF")
        verify.add_argument("file", help="đường dẫn tệp PDF")

    def handle(self, *args, action, **options):
        if action == "init":
            info, created = SandboxCA().ensure(options.get("province"))
            self.stdout.write("Đã tạo CA sandbox." if created else "CA sandbox đã có; không tạo lại.")
            self._print(info)
        elif action == "show":
            info = SandboxCA().info()
            if info is None:
                raise CommandError("Chưa có CA sandbox. Chạy: motcua signing init")
            self._print(info)
        else:
            self._verify(Path(options["file"]))

    def _print(self, info: CertificateInfo) -> None:
        self.stdout.write(f"Chủ thể: {info.subject}")
        self.stdout.write(f"Vân tay SHA-256: {info.fingerprint_sha256}")
        self.stdout.write(f"Số sê-ri: {info.serial}")
        self.stdout.write(f"Hiệu lực: {_fmt(info.not_before)} → {_fmt(info.not_after)}")
        self.stdout.write(f"Tệp chứng thư: {info.path}")

    def _verify(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {path}: {exc.strerror or exc}") from None
        result = verify_pdf(data)
        self.stdout.write(("HỢP LỆ: " if result.valid else "KHÔNG HỢP LỆ: ") + result.message)
        for i, sig in enumerate(result.signatures, 1):
            self.stdout.write(
                f"  [{i}] {sig.field_name}: {sig.signer_name or '?'} ({sig.organization or '?'}), "
                f"ký lúc {_fmt(sig.signed_at)}, lý do: {sig.reason or '—'}; "
                f"toàn vẹn={'có' if sig.intact else 'không'}, tin cậy={'có' if sig.trusted else 'không'}, "
                f"phạm vi={sig.coverage}"
            )
        for problem in result.problems:
            self.stdout.write(f"  - {problem}")
        if not result.valid:
            raise CommandError("Chữ ký số không hợp lệ.", returncode=1)

"""API clients (hệ thống kết nối) and their short-lived access tokens.

A client is another system (the national portal's connector, a ministry's system, a city's
dashboard) bound to one or more agencies and a set of scopes. It obtains bearer tokens with the
OAuth2 client-credentials grant. Secrets and tokens are random 256-bit values stored only as
SHA-256 digests: the plain value is shown once (the secret when the client is created, the token
in the token response) and cannot be read back. State changes go through `motcua.api.services`.
"""

from django.conf import settings
from django.db import models

#: Every scope a client may hold, with what it allows (shown in the OpenAPI document).
SCOPES = {
    "procedures:read": "Đọc danh mục thủ tục hành chính",
    "dossiers:read": "Đọc hồ sơ của các cơ quan được gắn với hệ thống",
    "dossiers:write": "Thực hiện thao tác trên hồ sơ (chỉ các thao tác hệ thống được phép)",
    "documents:read": "Tải tệp giấy tờ của hồ sơ",
    "results:read": "Đọc và tải kết quả giải quyết",
    "statistics:read": "Đọc chỉ số phục vụ người dân, doanh nghiệp (QĐ 766)",
}


class ApiClient(models.Model):
    """Hệ thống kết nối: one outside system, its agencies and its scopes."""

    name = models.CharField("tên hệ thống", max_length=200)
    client_id = models.CharField("mã hệ thống (client_id)", max_length=64, unique=True)
    secret_sha256 = models.CharField(max_length=64, editable=False)
    agencies = models.ManyToManyField(
        "places.Agency", verbose_name="cơ quan được truy cập", related_name="api_clients", blank=True
    )
    scopes = models.JSONField("phạm vi quyền", default=list)
    is_active = models.BooleanField("đang hoạt động", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField("người tạo", max_length=150, blank=True)

    class Meta:
        verbose_name = "hệ thống kết nối API"
        verbose_name_plural = "hệ thống kết nối API"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class AccessToken(models.Model):
    """A bearer token (mã truy cập) issued to a client, valid for minutes."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.client.client_id} → {self.expires_at:%Y-%m-%d %H:%M}"


def token_seconds() -> int:
    return int(getattr(settings, "MOTCUA_API_TOKEN_SECONDS", 900))

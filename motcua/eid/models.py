"""What the sandbox identity provider remembers between the browser and the client's back channel.

Only hashes of codes and tokens are stored, so a copy of the database does not let anyone sign in.
"""

from django.db import models

from motcua.core.crypto import EncryptedTextField


class SandboxGrant(models.Model):
    """One authorization of the sandbox VNeID (mã ủy quyền): single-use, short-lived, PKCE-bound."""

    code_hash = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=100)
    redirect_uri = models.CharField(max_length=500)
    #: Số định danh cá nhân of the person who signed in and consented, encrypted (ADR 0048): read
    #: back for the token's "sub" and the userinfo, never looked up.
    subject = EncryptedTextField(max_length=12)
    nonce = models.CharField(max_length=255, blank=True)
    scope = models.CharField(max_length=255)
    code_challenge = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    code_expires_at = models.DateTimeField()
    #: Set once, atomically, when the code is exchanged; a second exchange finds it set and fails.
    redeemed_at = models.DateTimeField(null=True, blank=True)
    access_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = "ủy quyền VNeID thử nghiệm"
        verbose_name_plural = "ủy quyền VNeID thử nghiệm"

    def __str__(self) -> str:
        return f"{self.client_id} — {self.created_at:%Y-%m-%d %H:%M}"

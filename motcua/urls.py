from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

# The admin asks for the officer's TOTP code too (level-3 security: two factors for every operator).
admin.site.__class__ = OTPAdminSite

admin.site.site_header = "motcua — Quản trị hệ thống"
admin.site.site_title = "motcua"
admin.site.index_title = "Quản trị"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # /healthz (liveness), /readyz (readiness), /metrics (protected): ADR 0042.
    path("", include("motcua.core.urls")),
    # National eID: the OpenID Connect client (/oidc/…) and, by default, its sandbox provider.
    path("", include("motcua.eid.urls")),
    # The REST API for other systems and the OpenAPI document (no language prefix).
    path("api/v1/", include("motcua.api.urls")),
    # Sandboxes of outside systems that ship with motcua (served only when configured).
    path("sandbox/lgsp/", include("motcua.registries.sandbox_urls")),
    path("sandbox/thanh-toan/", include("motcua.payments.sandbox_urls")),
    path("sandbox/dvcqg/", include("motcua.sync.sandbox_urls")),
]
urlpatterns += i18n_patterns(
    path("quan-tri/", admin.site.urls),
    path("can-bo/ho-so/<str:code>/", include("motcua.dossiers.urls")),
    path("can-bo/", include("motcua.backoffice.urls")),
    path("nop-ho-so/", include("motcua.eforms.urls")),
    path("danh-cho-ban/", include("motcua.foryou.urls")),
    path("cua-toi/du-lieu/", include("motcua.privacy.urls")),
    path("thanh-toan/", include("motcua.payments.urls")),
    path("tro-ly/", include("motcua.guide.urls")),
    path("", include("motcua.portal.urls")),
    prefix_default_language=False,
)

"""eID URLs, at the root (outside the language prefix): the client under /oidc/, the sandbox
provider under /eid-sandbox/ (404 unless MOTCUA_EID is "sandbox")."""

from django.urls import path

from . import client, sandbox_views, views

app_name = "eid"
urlpatterns = [
    path("oidc/authenticate/", client.StartView.as_view(), name="start"),
    path("oidc/callback/", client.CallbackView.as_view(), name="callback"),
    path("oidc/logout/", client.LogoutView.as_view(), name="logout"),
    path("oidc/thuc-hien-cho/", views.choose, name="choose"),
    path("eid-sandbox/.well-known/openid-configuration", sandbox_views.discovery, name="sandbox_discovery"),
    path("eid-sandbox/authorize", sandbox_views.authorize, name="sandbox_authorize"),
    path("eid-sandbox/token", sandbox_views.token, name="sandbox_token"),
    path("eid-sandbox/userinfo", sandbox_views.userinfo, name="sandbox_userinfo"),
    path("eid-sandbox/jwks", sandbox_views.jwks, name="sandbox_jwks"),
]

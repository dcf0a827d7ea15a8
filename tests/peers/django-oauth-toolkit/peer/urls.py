"""URL layout: django-oauth-toolkit under /o/ (issuer http://127.0.0.1:PORT/o), the
sign-in page at /accounts/login/."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from oauth2_provider import urls as dot_urls

urlpatterns = [
    # RFC 8414 §3.1 puts the metadata at the origin, the issuer's path appended
    # (/.well-known/oauth-authorization-server/o); django-oauth-toolkit's docs ask
    # deployments under a prefix to mount these at the root too.
    path("", include((dot_urls.metadata_urlpatterns, "oauth2_provider_root_metadata"))),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]

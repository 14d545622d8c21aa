from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from pledges.ops.views import healthz

# Korean pages live at the root, English ones under /en/.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", include("pledges.api.urls")),
]
# The export page has both languages (/export/, /en/export/); its files answer at both addresses
# with the same bytes, and pages link the root one.
urlpatterns += i18n_patterns(
    path("", include("pledges.site.urls")),
    path("export/", include("pledges.exports.urls")),
    prefix_default_language=False,
)

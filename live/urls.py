"""live's route, beside communities' under the same API prefix (config/urls.py)."""

from django.urls import path

from live.api import StreamPositionView

urlpatterns = [path("live/position/", StreamPositionView.as_view(), name="live-position")]

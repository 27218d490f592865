from django.urls import path

from . import views

urlpatterns = [
    path(
        "analytics/overview/",
        views.OverviewAnalyticsApi.as_view(),
        name="api-analytics-overview",
    ),
    path(
        "analytics/titles/<int:pk>/",
        views.TitleAnalyticsApi.as_view(),
        name="api-analytics-title",
    ),
]

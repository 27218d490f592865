from django.urls import path

from . import views

# Routed under the "catalog" namespace by pages/urls.py, next to the home and
# title pages that compose these rows with the viewer's own.
app_name = "catalog"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("genres/<slug:slug>/", views.genre, name="genre"),
]

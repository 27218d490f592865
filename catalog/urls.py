from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("genres/<slug:slug>/", views.genre, name="genre"),
    path("titles/<slug:slug>/", views.title_detail, name="title"),
]

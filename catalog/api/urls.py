from django.urls import path

from . import views

urlpatterns = [
    path("titles/", views.TitleListApi.as_view(), name="api-title-list"),
    path("titles/<int:pk>/", views.TitleDetailApi.as_view(), name="api-title-detail"),
    path("search/", views.TitleSearchApi.as_view(), name="api-title-search"),
    path("genres/", views.GenreListApi.as_view(), name="api-genre-list"),
    path("people/", views.PersonListApi.as_view(), name="api-person-list"),
    path("people/<int:pk>/", views.PersonDetailApi.as_view(), name="api-person-detail"),
]

import django_filters
from django import forms
from django.core.exceptions import ValidationError as FormValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from catalog.models import Genre, Title


class StrictBooleanField(forms.NullBooleanField):
    """``true`` or ``false``; anything else is refused, not ignored."""

    widget = forms.TextInput  # hands over the raw text (the select drops the rest)

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).lower()
        if text not in ("true", "false"):
            raise FormValidationError("Must be true or false.", code="invalid")
        return text == "true"


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class TitleFilter(django_filters.FilterSet):
    genre = django_filters.ModelChoiceFilter(
        field_name="genres",
        to_field_name="slug",
        queryset=Genre.objects.all(),
        help_text="A genre's slug.",
    )
    kind = django_filters.ChoiceFilter(choices=Title.Kind.choices)
    access_level = django_filters.ChoiceFilter(choices=Title.AccessLevel.choices)
    year = django_filters.NumberFilter(min_value=1870, max_value=2100)
    year_min = django_filters.NumberFilter(
        field_name="year", lookup_expr="gte", min_value=1870, max_value=2100
    )
    year_max = django_filters.NumberFilter(
        field_name="year", lookup_expr="lte", min_value=1870, max_value=2100
    )
    maturity_max = django_filters.TypedChoiceFilter(
        field_name="maturity_rating",
        lookup_expr="lte",
        choices=[(value, label) for value, label in Title.Maturity.choices],
        coerce=int,
        help_text="The highest maturity rating to include (0, 7, 13, 16 or 18).",
    )
    playable = StrictBooleanFilter(
        help_text=(
            "true: only titles a viewer could start now (a movie's video, or one "
            "of a series' episodes, is published); false: only those not yet."
        ),
    )

    class Meta:
        model = Title
        fields = ["genre", "kind", "access_level", "year", "year_min", "year_max"]


class StrictOrderingFilter(OrderingFilter):
    """Ordering that refuses unknown fields instead of silently ignoring them."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            allowed = {
                name
                for name, _ in self.get_valid_fields(
                    queryset, view, {"request": request}
                )
            }
            unknown = [field for field in fields if field.lstrip("-") not in allowed]
            if unknown or not fields:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Unknown ordering {', '.join(unknown) or params!r}; "
                            f"use one of: {', '.join(sorted(allowed))} (prefix - to reverse)."
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)

"""Editors' screens for the catalog. Actions and multi-row writes call services."""

from django.contrib import admin, messages
from django.utils.html import format_html

from . import services
from .models import Credit, Episode, Genre, Person, Rendition, Season, Title, Video


def thumbnail(image, *, height: int = 60, alt: str = ""):
    if not image:
        return "—"
    return format_html(
        '<img src="{}" alt="{}" style="height:{}px;border-radius:3px" loading="lazy">',
        image.url,
        alt,
        height,
    )


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 1
    autocomplete_fields = ["person"]
    fields = ["person", "role", "character", "order"]


class SeasonInline(admin.TabularInline):
    model = Season
    extra = 0
    fields = ["number", "name", "year"]
    show_change_link = True  # episodes are edited on the season's page


class EpisodeInline(admin.StackedInline):
    model = Episode
    extra = 1
    fields = [("number", "name", "runtime_minutes"), "synopsis", "video"]
    raw_id_fields = ["video"]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["photo_thumbnail", "name", "slug"]
    list_display_links = ["photo_thumbnail", "name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="Photo")
    def photo_thumbnail(self, person: Person):
        return thumbnail(person.photo, height=40, alt=person.name)

    def save_model(self, request, obj: Person, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            services.person_titles_search_refresh_queue(person=obj)


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = [
        "poster_thumbnail",
        "name",
        "kind",
        "year",
        "visibility",
        "access_level",
        "maturity_rating",
        "available_from",
        "available_until",
        "is_featured",
    ]
    list_display_links = ["poster_thumbnail", "name"]
    list_filter = [
        "visibility",
        "kind",
        "access_level",
        "maturity_rating",
        "is_featured",
        "genres",
        "year",
    ]
    search_fields = ["name", "synopsis", "people_names"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["genres"]
    raw_id_fields = ["video"]
    readonly_fields = [
        "poster_preview",
        "backdrop_preview",
        "published_at",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "published_at"
    actions = ["publish", "unpublish"]
    inlines = [CreditInline, SeasonInline]
    fieldsets = [
        (None, {"fields": ["kind", "name", "slug", "synopsis", "genres"]}),
        (
            "Details",
            {"fields": ["year", "runtime_minutes", "maturity_rating", "video"]},
        ),
        (
            "Artwork",
            {
                "fields": [
                    ("poster", "poster_preview"),
                    ("backdrop", "backdrop_preview"),
                ]
            },
        ),
        (
            "Publishing",
            {
                "fields": [
                    "visibility",
                    "access_level",
                    ("available_from", "available_until"),
                    "is_featured",
                    "published_at",
                ]
            },
        ),
        ("History", {"classes": ["collapse"], "fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="Poster")
    def poster_thumbnail(self, title: Title):
        return thumbnail(title.poster, alt=f"Poster of {title.name}")

    @admin.display(description="Preview")
    def poster_preview(self, title: Title):
        return thumbnail(title.poster, height=180, alt=f"Poster of {title.name}")

    @admin.display(description="Preview")
    def backdrop_preview(self, title: Title):
        return thumbnail(title.backdrop, height=120, alt=f"Backdrop of {title.name}")

    def save_model(self, request, obj: Title, form, change: bool) -> None:
        publishing = (
            obj.visibility == Title.Visibility.PUBLISHED and obj.published_at is None
        )
        super().save_model(request, obj, form, change)
        if publishing:
            services.title_publish(titles=Title.objects.filter(pk=obj.pk))

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Credits may have changed: keep the search document in step.
        services.title_search_refresh(title_ids=[form.instance.pk])

    @admin.action(description="Publish selected titles", permissions=["change"])
    def publish(self, request, queryset):
        count = services.title_publish(titles=queryset)
        self.message_user(request, f"Published {count} title(s).", messages.SUCCESS)

    @admin.action(
        description="Unpublish selected titles (back to draft)", permissions=["change"]
    )
    def unpublish(self, request, queryset):
        count = services.title_unpublish(titles=queryset)
        self.message_user(request, f"Unpublished {count} title(s).", messages.SUCCESS)


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "number", "year"]
    list_select_related = ["title"]
    list_filter = ["title__visibility"]
    search_fields = ["title__name", "name"]
    autocomplete_fields = ["title"]
    inlines = [EpisodeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("title")


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "season", "number", "runtime_minutes"]
    list_select_related = ["season__title"]
    search_fields = ["name", "season__title__name"]
    raw_id_fields = ["video"]
    autocomplete_fields = ["season"]


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    fields = ["revision", "height", "width", "bandwidth", "codecs", "frame_rate"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = [
        "uuid",
        "status",
        "stage",
        "progress",
        "revision",
        "duration_seconds",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["uuid", "title__name", "episode__name"]
    readonly_fields = [
        "uuid",
        "status",
        "stage",
        "progress",
        "failure_reason",
        "revision",
        "hls_master_path",
        "dash_manifest_path",
        "duration_seconds",
        "width",
        "height",
        "created_at",
        "updated_at",
    ]
    inlines = [RenditionInline]

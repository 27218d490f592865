"""Editors' direct uploads, to follow them (a failed one says why) and abort a
stuck one."""

from django.contrib import admin, messages

from catalog.models import Upload
from catalog.services import uploads


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "purpose",
        "state",
        "failure_reason",
        "size",
        "created_by",
        "created_at",
    ]
    list_filter = ["state", "purpose"]
    search_fields = ["file_name", "uuid"]
    list_select_related = ["created_by"]
    readonly_fields = [field.name for field in Upload._meta.fields]
    actions = ["abort"]

    def has_add_permission(self, request) -> bool:
        return False  # uploads start from the API

    def get_queryset(self, request):
        # An upload is its creator's, as in the API; superusers see all.
        uploads_seen = super().get_queryset(request)
        if request.user.is_superuser:
            return uploads_seen
        return uploads_seen.filter(created_by=request.user)

    @admin.action(description="Abort and delete the parts", permissions=["change"])
    def abort(self, request, queryset) -> None:
        aborted = 0
        for upload in queryset.filter(state=Upload.State.OPEN):
            uploads.upload_abort(upload=upload)
            aborted += 1
        self.message_user(request, f"Aborted {aborted} upload(s).", messages.SUCCESS)

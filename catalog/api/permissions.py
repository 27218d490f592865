from rest_framework import permissions


class IsCatalogEditor(permissions.BasePermission):
    """Staff with the Editors' permissions on videos (see accounts migration 0002)."""

    message = "Only editors may manage videos."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        needed = (
            "catalog.add_video" if request.method == "POST" else "catalog.change_video"
        )
        if request.method in permissions.SAFE_METHODS:
            needed = "catalog.view_video"
        return user.has_perm(needed)

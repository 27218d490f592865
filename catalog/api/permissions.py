from rest_framework import permissions


class IsCatalogEditor(permissions.BasePermission):
    """Staff with the Editors' permissions (see accounts migration 0002).

    A view names what each method needs in ``editor_permissions`` (method to
    permission names, as Django admin checks them); without it, reads need
    ``view_video``, POST ``add_video`` and other writes ``change_video``.
    """

    message = "Only editors may manage videos."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        return user.has_perms(self.needed(request, view))

    @staticmethod
    def needed(request, view) -> tuple[str, ...]:
        declared = getattr(view, "editor_permissions", {})
        if request.method in declared:
            return tuple(declared[request.method])
        if request.method in permissions.SAFE_METHODS:
            return ("catalog.view_video",)
        if request.method == "POST":
            return ("catalog.add_video",)
        return ("catalog.change_video",)

from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M``, with M between 1 and ``max_page_size``.

    A page past the end, or a page that is not a positive number, is a 404; a
    page size out of bounds is a 400 that says the bounds.
    """

    page_size_query_param = "page_size"
    max_page_size = 100
    page_size_query_description = (
        f"Results per page, from 1 to {max_page_size} (default: the PAGE_SIZE "
        "setting, 24)."
    )
    page_query_description = "A page number from 1; a page past the last is a 404."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return size

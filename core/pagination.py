from django.core.paginator import Paginator

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """A page of `queryset` from ?page=N (out-of-range pages show the last page)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))

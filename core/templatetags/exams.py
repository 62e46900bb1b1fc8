from django import template
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return "?" + urlencode(sorted(params.items()), doseq=False)


@register.inclusion_tag("core/_history.html")
def history_table(entries, title="Change history"):
    return {"entries": entries, "title": title}


@register.inclusion_tag("core/_state.html")
def state_badge(value, label):
    return {"value": value, "label": label}

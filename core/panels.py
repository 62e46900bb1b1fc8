"""Pages made of panels that each app contributes, so no app edits another's templates.

An app adds to a page by defining a function in `<app>/panels.py` with the page's name, returning
a context dict (or None to show nothing); its template is `templates/<app>/panels/<page>.html`.

    # registrations/panels.py
    def home(request):            return {"overdue": ...}
    def learner_detail(request, learner):  return {"registrations": ...}
"""

from dataclasses import dataclass
from importlib import import_module

from django.conf import settings


@dataclass
class Panel:
    template: str
    context: dict


def collect_panels(page: str, request, **kwargs) -> list[Panel]:
    panels = []
    for app_label in settings.LOCAL_APPS:
        try:
            module = import_module(f"{app_label}.panels")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_label}.panels":
                raise
            continue
        build = getattr(module, page, None)
        if build is None:
            continue
        context = build(request, **kwargs)
        if context is not None:
            panels.append(Panel(f"{app_label}/panels/{page}.html", context))
    return panels

"""Pages made of panels that each app contributes, so no app edits another's templates.

An app adds to a page by defining a function in `<app>/panels.py` with the page's name, returning
a context dict (or None to show nothing); its template is `templates/<app>/panels/<page>.html`.

    # registrations/panels.py
    def home(request):            return {"overdue": ...}
    def learner_detail(request, learner):  return {"registrations": ...}
"""

from dataclasses import dataclass

from .hooks import app_hooks


@dataclass
class Panel:
    template: str
    context: dict


def collect_panels(page: str, request, **kwargs) -> list[Panel]:
    panels = []
    for app_label, build in app_hooks("panels", page):
        context = build(request, **kwargs)
        if context is not None:
            panels.append(Panel(f"{app_label}/panels/{page}.html", context))
    return panels

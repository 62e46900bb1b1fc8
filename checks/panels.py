"""The checks app's boxes on the home page and the learner page."""

from registrations.models import Registration

from .models import Discrepancy, ProgrammeCheck, Statement
from .selectors import registered_not_told
from .services import KNOWN_TO_PEARSON


def home(request):
    user = request.user
    if not user.has_perm("checks.view_programmecheck"):
        return None
    my_open = ProgrammeCheck.objects.filter(programme__subject_leads=user, signed_off_at__isnull=True).count()
    return {
        "not_told": registered_not_told(user).count() if user.has_perm("checks.view_statement") else None,
        "my_open": my_open,
        "open_discrepancies": Discrepancy.objects.visible_to(user).unresolved().count()
        if user.has_perm("checks.view_discrepancy") else None,
    }


def learner_detail(request, learner):
    """When and how the learner was told about each registration, and whether they confirmed."""
    if not request.user.has_perm("checks.view_statement"):
        return None
    registrations = list(
        Registration.objects.visible_to(request.user).filter(learner=learner, state__in=KNOWN_TO_PEARSON)
        .select_related("programme").order_by("-created_at")
    )
    statements = list(Statement.objects.filter(registration__in=registrations).order_by("-issued_at", "-id"))
    rows = []
    for registration in registrations:
        mine = [s for s in statements if s.registration_id == registration.pk]
        rows.append({
            "registration": registration,
            "statement": mine[0] if mine else None,
            "confirmed": next((s for s in mine if s.response == Statement.Response.CONFIRMED), None),
            "reported": next((s for s in mine if s.response == Statement.Response.REPORTED), None),
        })
    return {"rows": rows}


def registration_detail(request, registration):
    """Every statement sent about this registration: when, how, to whom, and the learner's answer."""
    if not request.user.has_perm("checks.view_statement"):
        return None
    statements = list(Statement.objects.filter(registration=registration).select_related("issued_by"))
    return {"statements": statements, "known_to_pearson": registration.state in KNOWN_TO_PEARSON}

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from core.history import history_entries
from core.pagination import paginate

from . import selectors
from .deadlines import late_fee_band, registration_due_date
from .forms import ProgrammeFilterForm, ProgrammeRegistrationFilterForm


@permission_required("registrations.view_programme", raise_exception=True)
def programme_list(request):
    form = ProgrammeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    show = filters.get("show") or "active"
    programmes = selectors.programme_list(
        user=request.user, academic_year=filters.get("academic_year", ""),
        active={"active": True, "inactive": False, "all": None}[show],
    )
    return render(request, "registrations/programme_list.html", {"form": form, "page": paginate(request, programmes)})


@permission_required("registrations.view_programme", raise_exception=True)
def programme_detail(request, pk):
    programme = selectors.get_programme_for_user(request.user, pk)
    form = ProgrammeRegistrationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    registrations = selectors.programme_registrations(
        programme=programme, state=filters.get("state", ""), search=filters.get("q", "").strip()
    )
    return render(
        request,
        "registrations/programme_detail.html",
        {
            "programme": programme,
            "units": programme.qualification.units.all(),
            "form": form,
            "page": paginate(request, registrations),
            "state_counts": selectors.registration_state_counts(programme.registrations.all()),
        },
    )


@permission_required("registrations.view_registration", raise_exception=True)
def registration_detail(request, pk):
    from django.utils import timezone

    registration = selectors.get_registration_for_user(request.user, pk)
    due = registration_due_date(registration)
    submitted_on = timezone.localtime(registration.submitted_at).date() if registration.submitted_at else timezone.localdate()
    return render(
        request,
        "registrations/registration_detail.html",
        {
            "registration": registration,
            "due_date": due,
            "fee_band": late_fee_band(registration, submitted_on),
            "history": history_entries(registration),
            "notifications": registration.pearson_notifications.select_related("raised_by", "sent_by"),
            "records": registration.assessment_records.select_related("unit", "assessor", "internal_verifier"),
        },
    )

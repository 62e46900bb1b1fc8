from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from core.exceptions import DomainError
from core.history import history_entries
from core.pagination import paginate
from core.panels import collect_panels
from registrations.models import Programme

from . import selectors, services
from .forms import LearnerCorrectionForm, LearnerFilterForm
from .models import Learner


@permission_required("learners.view_learner", raise_exception=True)
def learner_list(request):
    form = LearnerFilterForm(request.GET or None, programmes=Programme.objects.visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    programme = filters.get("programme")
    learners = selectors.learner_list(
        user=request.user, search=filters.get("q", ""), status=filters.get("status", ""),
        programme_id=programme.pk if programme else None,
    )
    return render(request, "learners/learner_list.html", {"form": form, "page": paginate(request, learners)})


@permission_required("learners.view_learner", raise_exception=True)
def learner_detail(request, pk):
    learner = selectors.get_learner_for_user(request.user, pk)
    return render(
        request,
        "learners/learner_detail.html",
        {
            "learner": learner,
            "panels": collect_panels("learner_detail", request, learner=learner),
            "history": history_entries(learner),
        },
    )


@permission_required("learners.change_learner", raise_exception=True)
def learner_correct(request, pk):
    """Correct a learner's details; changes to what Pearson holds are queued for Pearson."""
    learner = selectors.get_learner_for_user(request.user, pk)
    form = LearnerCorrectionForm(request.POST or None, instance=learner)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "reason"}
        try:
            services.learner_update(actor=request.user, learner=Learner.objects.get(pk=learner.pk), changes=changes, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{learner.full_legal_name}'s details were saved.")
            return redirect(learner)
    return render(request, "learners/learner_form.html", {"form": form, "learner": learner})

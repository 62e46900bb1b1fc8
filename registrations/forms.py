from django import forms

from .models import Programme, Registration


class ProgrammeFilterForm(forms.Form):
    academic_year = forms.CharField(label="Academic year", required=False, help_text="e.g. 2026/27")
    show = forms.ChoiceField(
        label="Show", required=False,
        choices=[("active", "Active programmes"), ("inactive", "Inactive programmes"), ("all", "All programmes")],
    )


class ProgrammeRegistrationFilterForm(forms.Form):
    q = forms.CharField(label="Search learners", required=False)
    state = forms.ChoiceField(label="State", required=False, choices=[("", "Any")] + Registration.State.choices)


__all__ = ["Programme", "ProgrammeFilterForm", "ProgrammeRegistrationFilterForm"]

from django import forms

from registrations.models import Programme

from .models import FIELD_CHOICES, LEARNER_FIELDS, CheckVerdict, Discrepancy, ProgrammeCheck

DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y")

class RoundOpenForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="For example “Autumn term 2026 registration check”.")
    due_date = forms.DateField(widget=DATE_WIDGET, help_text="When subject leads must have signed off (dd/mm/yyyy).")
    programmes = forms.ModelMultipleChoiceField(
        queryset=Programme.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="Every active programme is ticked; untick any that are not part of this round.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = Programme.objects.filter(is_active=True).order_by("name")
        self.fields["programmes"].queryset = active
        if not self.is_bound:
            self.initial["programmes"] = list(active.values_list("pk", flat=True))

class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(choices=CheckVerdict.Verdict.choices)
    field = forms.ChoiceField(choices=[("", "—"), *FIELD_CHOICES], required=False)
    correct_value = forms.CharField(max_length=200, required=False)
    note = forms.CharField(max_length=300, required=False)
    version = forms.IntegerField(min_value=0)

class MissingLearnerForm(forms.Form):
    first_name = forms.CharField(label="First name(s)", max_length=60)
    last_name = forms.CharField(label="Last name", max_length=60)
    date_of_birth = forms.DateField(widget=DATE_WIDGET, required=False, help_text="dd/mm/yyyy, if you know it.")
    mis_id = forms.CharField(label="MIS id", max_length=30, required=False, help_text="If you know it.")
    description = forms.CharField(label="Anything the exams office should know", max_length=300, required=False)

class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

class ResolveForm(forms.Form):
    action = forms.ChoiceField(choices=Discrepancy.Action.choices, widget=forms.RadioSelect)
    field = forms.ChoiceField(
        label="Detail to correct", choices=[("", "—"), *LEARNER_FIELDS.items()], required=False,
        help_text="Only for “correct”. Defaults to the detail named in the discrepancy.",
    )
    value = forms.CharField(
        label="Correct value", max_length=200, required=False,
        help_text="Only for “correct”: dates as dd/mm/yyyy, sex as M or F.",
    )
    on = forms.DateField(
        label="Effective date", widget=DATE_WIDGET, required=False,
        help_text="Withdrawal, transfer or enrolment date (dd/mm/yyyy); today if empty.",
    )
    to_programme = forms.ModelChoiceField(
        label="Transfer to programme", queryset=Programme.objects.none(), required=False,
    )
    sex = forms.ChoiceField(
        label="Sex (only to add a learner not yet on file)", choices=[("", "—"), ("M", "M"), ("F", "F")], required=False,
    )
    reason = forms.CharField(
        label="What was done and why", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
        help_text="Kept in the history; the subject lead sees it.",
    )

    def __init__(self, *args, discrepancy: Discrepancy, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import ALLOWED_ACTIONS

        allowed = ALLOWED_ACTIONS[discrepancy.kind]
        self.fields["action"].choices = [(a, label) for a, label in Discrepancy.Action.choices if a in allowed]
        self.fields["to_programme"].queryset = Programme.objects.filter(
            is_active=True, centre=discrepancy.programme.centre_id
        ).exclude(pk=discrepancy.programme_id).order_by("name")
        if not self.is_bound:
            self.initial.update(field=discrepancy.field if discrepancy.field in LEARNER_FIELDS else "",
                                value=discrepancy.correct_value)

class StatementAnswerForm(forms.Form):
    field = forms.ChoiceField(
        label="Which detail is wrong?", required=False,
        choices=[("", "Choose…"), *LEARNER_FIELDS.items(), ("qualification", "Qualification"), ("other", "Something else")],
    )
    correct_value = forms.CharField(label="What it should be", max_length=200, required=False)
    text = forms.CharField(label="Anything else we should know", widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000, required=False)

class CheckListFilterForm(forms.Form):
    state = forms.ChoiceField(label="State", choices=[("", "Any"), *ProgrammeCheck.State.choices], required=False)

class DiscrepancyFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="State", required=False,
        choices=[("", "Any"), *[(s, label) for s, label in Discrepancy.State.choices if s not in ("draft", "withdrawn")]],
    )
    kind = forms.ChoiceField(label="Kind", choices=[("", "Any"), *Discrepancy.Kind.choices], required=False)

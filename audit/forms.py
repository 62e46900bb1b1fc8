from django import forms
from django.contrib.auth import get_user_model

from .models import Investigation


class EventFilterForm(forms.Form):
    action = forms.CharField(required=False, label="Action", help_text="The start of an action code, e.g. auth. or registrations.")
    actor = forms.CharField(required=False, label="Who (username)")
    date_from = forms.DateField(required=False, label="From", help_text="dd/mm/yyyy")
    date_to = forms.DateField(required=False, label="To", help_text="dd/mm/yyyy")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The “From” date must not be after the “To” date.")
        return data


def staff_choices():
    return get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")


class InvestigationOpenForm(forms.Form):
    kind = forms.ChoiceField(choices=Investigation.Kind.choices)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="What is suspected, in plain words.")
    investigator = forms.ModelChoiceField(
        queryset=None, help_text="Someone senior and unconnected to the department concerned."
    )
    reason = forms.CharField(label="Why this is being opened", widget=forms.Textarea(attrs={"rows": 2}))
    breach_key = forms.CharField(required=False, widget=forms.HiddenInput)
    learner_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    object_type = forms.CharField(required=False, widget=forms.HiddenInput)
    object_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigator"].queryset = staff_choices()
        self.fields["investigator"].label_from_instance = lambda u: u.get_full_name() or u.username


class EvidenceForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(required=False, help_text="Up to 10 MB. Kept in the database with the investigation.")


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(choices=Investigation.Outcome.choices)
    conclusion = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(label="Why", initial="Investigation concluded")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Why", widget=forms.TextInput)


class PearsonReportForm(forms.Form):
    pearson_form = forms.ChoiceField(label="Form", choices=Investigation.PearsonForm.choices)
    pearson_sent_on = forms.DateField(label="Date sent to Pearson", help_text="dd/mm/yyyy")
    pearson_reference = forms.CharField(label="Pearson's reference", required=False, max_length=60)
    reason = forms.CharField(label="Why", initial="Reported to Pearson")


class PearsonReferenceForm(forms.Form):
    pearson_reference = forms.CharField(label="Pearson's reference", max_length=60)
    reason = forms.CharField(label="Why", initial="Pearson's reference received")


class InvestigationFilterForm(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", "Any")] + list(Investigation.State.choices))
    kind = forms.ChoiceField(required=False, choices=[("", "Any")] + list(Investigation.Kind.choices))



class ReportFilterForm(forms.Form):
    """Period (inclusive) and programme for the audit reports; an impossible period is refused."""

    date_from = forms.DateField(label="From", help_text="dd/mm/yyyy, e.g. 01/09/2026")
    date_to = forms.DateField(label="To", help_text="dd/mm/yyyy, e.g. 31/08/2027")
    programme = forms.ModelChoiceField(queryset=None, required=False, empty_label="All programmes", label="Programme")

    def __init__(self, *args, user=None, by_programme=True, **kwargs):
        from registrations.models import Programme

        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.visible_to(user).order_by("name") if user else Programme.objects.none()
        if not by_programme:
            del self.fields["programme"]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", f"The end of the period ({end:%d/%m/%Y}) is before its start ({start:%d/%m/%Y}). "
                                      "Choose an end date on or after the start date.")
        elif start and end and (end - start).days > 366 * 5:
            self.add_error("date_to", "Choose a period of at most five years.")
        return data

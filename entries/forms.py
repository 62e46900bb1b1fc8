from django import forms

from registrations.models import Unit

from .models import AssessmentSeries

DATE_WIDGET = {"placeholder": "dd/mm/yyyy"}


class SeriesForm(forms.ModelForm):
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), initial="Assessment series set up",
        help_text="Recorded in the history with your name.",
    )

    class Meta:
        model = AssessmentSeries
        fields = ["name", "entry_deadline", "late_entry_end", "results_date", "standard_fee", "late_fee", "notes"]
        widgets = {
            name: forms.DateInput(attrs=DATE_WIDGET, format="%d/%m/%Y")
            for name in ("entry_deadline", "late_entry_end", "results_date")
        } | {"notes": forms.Textarea(attrs={"rows": 2})}


class EntryRequestForm(forms.Form):
    late_reason = forms.CharField(
        label="Reason for late entry", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required after the entry deadline: late entries cost the late fee.",
    )
    reason = forms.CharField(label="Note for the history", required=False, initial="Entered for external assessment")


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Reason for withdrawing the entry", widget=forms.Textarea(attrs={"rows": 2}))


class SwapForm(forms.Form):
    unit = forms.ModelChoiceField(label="Swap to unit", queryset=Unit.objects.none())
    reason = forms.CharField(label="Reason for the change", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            Unit.objects.filter(qualification=entry.unit.qualification, assessment=Unit.Assessment.EXTERNAL)
            .exclude(pk=entry.unit_id).order_by("number")
        )


class ResultsImportForm(forms.Form):
    file = forms.FileField(
        label="Results file (.xlsx or .csv)",
        help_text="Columns: Registration number (or Candidate number), Unit, Grade. An optional Series column must "
        "name this series.",
    )
    reason = forms.CharField(label="Note for the history", required=False)

from django import forms

from core.validators import ULN_NOT_KNOWN

from .models import Learner


class LearnerFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, help_text="Name, MIS id, ULN, UCI or candidate number")
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any")] + Learner.Status.choices)
    programme = forms.ModelChoiceField(label="Programme", required=False, queryset=None, empty_label="Any")

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class LearnerCorrectionForm(forms.ModelForm):
    reason = forms.CharField(
        label="Reason for the change", widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the learner's history. Changes to legal name, date of birth, sex or ULN "
        "of a learner already sent to Pearson are queued for Pearson.",
    )

    class Meta:
        model = Learner
        fields = [
            "legal_first_name", "legal_last_name", "preferred_name", "date_of_birth", "sex",
            "uln", "uln_not_yet_known", "uci", "candidate_number", "email", "status",
        ]
        widgets = {"date_of_birth": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y")}

    def clean_uln(self):
        uln = (self.cleaned_data.get("uln") or "").strip() or None
        if uln == ULN_NOT_KNOWN:
            raise forms.ValidationError("9999999999 means “not known”: leave the ULN empty and tick “ULN not yet known”.")
        return uln

    def clean_uci(self):
        return (self.cleaned_data.get("uci") or "").strip().upper() or None

    def clean_candidate_number(self):
        return (self.cleaned_data.get("candidate_number") or "").strip() or None


class LearnerImportUploadForm(forms.Form):
    file = forms.FileField(
        label="MIS export", help_text="An Excel workbook (.xlsx) or a CSV file, one learner a row, headings in the first row. "
        "Nothing is saved until you have checked the preview and confirmed it.",
    )
    centre = forms.ModelChoiceField(label="Centre", queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        from .models import Centre

        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = Centre.objects.all()


class HeaderMappingForm(forms.Form):
    """One choice per heading we did not recognise: which of our fields it holds (or ignore it)."""

    def __init__(self, *args, headers: list[str], current: dict[str, str], **kwargs):
        from .imports import FIELD_LABELS

        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", "Ignore this column")] + [(k, v) for k, v in FIELD_LABELS.items() if k != "uln_not_yet_known"]
        reverse = {header: name for name, header in current.items()}
        for i, header in enumerate(headers):
            self.fields[f"h{i}"] = forms.ChoiceField(label=f"Column “{header}”", choices=choices, required=False,
                                                     initial=reverse.get(header, ""))

    def overrides(self) -> dict[str, str]:
        chosen = {}
        for i, header in enumerate(self.headers):
            value = self.cleaned_data.get(f"h{i}")
            if value:
                chosen[header] = value
        return chosen

    def clean(self):
        cleaned = super().clean()
        picked = [v for v in cleaned.values() if v]
        if len(picked) != len(set(picked)):
            raise forms.ValidationError("Choose each of our fields for one column only.")
        return cleaned


class ImportConfirmForm(forms.Form):
    reason = forms.CharField(label="Reason (kept in each learner's history)", required=False,
                             help_text="For example “September intake from SIMS”. Leave empty to record the file name.")

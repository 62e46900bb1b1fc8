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

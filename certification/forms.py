from django import forms
from django.contrib.auth import get_user_model

from .models import AssessmentRecord, Certificate, CertificateClaim, ClaimBatch, SampledClaim, UnitGrade

DATE = {"placeholder": "dd/mm/yyyy"}


def staff_users():
    """Anyone on the staff list can assess: teachers who assess hold no role in this system (the demo's
    j.patel, m.okafor, r.hughes), so the choice is every active account, not only role holders."""
    return get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class RecordForm(forms.Form):
    registration = forms.ModelChoiceField(label="Learner", queryset=None)
    unit = forms.ModelChoiceField(label="Unit", queryset=None)
    attempt = forms.ChoiceField(label="Attempt", choices=AssessmentRecord.Attempt.choices)
    grade = forms.ChoiceField(label="Grade", choices=UnitGrade.choices)
    assessor = UserChoiceField(label="Assessor", queryset=None)
    date_assessed = forms.DateField(label="Date assessed", widget=forms.DateInput(attrs=DATE))
    authorised_by = UserChoiceField(label="Authorised by (Lead IV)", queryset=None, required=False,
                                    help_text="Needed for a resubmission or a retake.")

    def __init__(self, *args, programme, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration"].queryset = programme.registrations.live().select_related("learner").order_by("learner__legal_last_name")
        self.fields["registration"].label_from_instance = lambda r: f"{r.learner.legal_last_name.upper()}, {r.learner.legal_first_name}"
        self.fields["unit"].queryset = programme.qualification.units.filter(assessment="internal")
        self.fields["assessor"].queryset = staff_users()
        self.fields["authorised_by"].queryset = programme.subject_leads.all()


class VerifyForm(forms.Form):
    iv_date = forms.DateField(label="IV date", widget=forms.DateInput(attrs=DATE))
    outcome = forms.ChoiceField(label="IV outcome", choices=AssessmentRecord.IVOutcome.choices)
    notes = forms.CharField(label="IV notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ChangeRecordForm(forms.Form):
    grade = forms.ChoiceField(label="Grade", choices=UnitGrade.choices)
    date_assessed = forms.DateField(label="Date assessed", widget=forms.DateInput(attrs=DATE))
    reason = forms.CharField(label="Reason for the change", widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="A verified record loses its verification when it changes.")


class UploadForm(forms.Form):
    file = forms.FileField(label="Spreadsheet (.xlsx or .csv)")


class ClaimCreateForm(forms.Form):
    registration = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="Claim type", choices=CertificateClaim.Kind.choices)
    fallback_qualification = forms.CharField(label="Fallback qualification", required=False)
    timing_reason = forms.CharField(label="Reason (early or late claims)", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))


class TimingReasonForm(forms.Form):
    timing_reason = forms.CharField(label="Why the claim is early or late", widget=forms.Textarea(attrs={"rows": 2}))


class BatchForm(forms.Form):
    name = forms.CharField(label="Batch name", max_length=100)
    claims = forms.ModelMultipleChoiceField(label="Ready claims", queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, claims, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claims"].queryset = claims
        self.fields["claims"].label_from_instance = lambda c: f"{c.registration.learner} — {c.registration.programme} ({c.get_kind_display()})"


class SubmitBatchForm(forms.Form):
    submitted_on = forms.DateField(label="Date submitted to Pearson", widget=forms.DateInput(attrs=DATE))


class RoundForm(forms.Form):
    name = forms.CharField(label="Round name", max_length=100)
    batch = forms.ModelChoiceField(label="Claim batch", queryset=ClaimBatch.objects.all(), required=False,
                                   help_text="Sample a batch, or leave empty and give a date range of claims.")
    date_from = forms.DateField(label="Claims made from", required=False, widget=forms.DateInput(attrs=DATE))
    date_to = forms.DateField(label="Claims made to", required=False, widget=forms.DateInput(attrs=DATE))
    percentage = forms.IntegerField(label="Percentage to sample", min_value=0, max_value=100, initial=25)
    min_per_programme = forms.IntegerField(label="Minimum per programme", min_value=0, initial=1)
    min_per_assessor = forms.IntegerField(label="Minimum per assessor", min_value=0, initial=1)
    sample_all = forms.BooleanField(label="Sample every claim", required=False)
    seed = forms.IntegerField(label="Seed", required=False, min_value=1,
                              help_text="Leave empty for a fresh random seed; give a previous round's seed to repeat its draw.")


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=[c for c in SampledClaim.Outcome.choices if c[0] != "pending"])
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    resolution = forms.CharField(label="How the discrepancy was resolved", widget=forms.Textarea(attrs={"rows": 2}))


class CertificateForm(forms.Form):
    claim = forms.ModelChoiceField(label="Claim", queryset=None)
    number = forms.CharField(label="Certificate number", max_length=40)
    name_printed = forms.CharField(label="Learner name as printed", max_length=120)
    date_of_birth = forms.DateField(label="Date of birth as printed", required=False, widget=forms.DateInput(attrs=DATE))
    qualification = forms.CharField(label="Qualification as printed", max_length=200, help_text="Qualification number or title.")
    grade = forms.CharField(label="Qualification grade", max_length=10, required=False)
    units = forms.CharField(label="Units", required=False, help_text="Unit number=grade, separated by commas, e.g. 1=M, 2=P")
    received_on = forms.DateField(label="Date received", widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args, claims, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].queryset = claims
        self.fields["claim"].label_from_instance = lambda c: f"{c.registration.learner} — {c.registration.programme} ({c.get_kind_display()}, {c.get_state_display().lower()})"

    def clean_units(self):
        from .imports import parse_units

        try:
            return parse_units(self.cleaned_data.get("units", ""))
        except ValueError as exc:
            raise forms.ValidationError(str(exc))


class IssueForm(forms.Form):
    issued_on = forms.DateField(label="Issue date", widget=forms.DateInput(attrs=DATE))
    method = forms.ChoiceField(label="How", choices=Certificate.IssueMethod.choices)


class DestroyForm(forms.Form):
    destroyed_on = forms.DateField(label="Date destroyed", widget=forms.DateInput(attrs=DATE))
    reason = forms.CharField(label="Reason and method", widget=forms.Textarea(attrs={"rows": 2}))


class LeadResponseForm(forms.Form):
    response = forms.CharField(label="Your answer", widget=forms.Textarea(attrs={"rows": 3}))


class InvestigateForm(forms.Form):
    investigator = UserChoiceField(label="Investigator", queryset=None,
                                   help_text="Someone senior and unconnected to the department concerned.")
    summary = forms.CharField(label="What is suspected", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="Leave empty to use the sampling notes.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigator"].queryset = get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")

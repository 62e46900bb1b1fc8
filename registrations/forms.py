from django import forms

from learners.models import Learner

from .models import PearsonNotification, Programme, Registration, RegistrationBatch

DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y")
REASON = {"label": "Reason", "widget": forms.Textarea(attrs={"rows": 2}), "help_text": "Kept in the history."}


class ProgrammeFilterForm(forms.Form):
    academic_year = forms.CharField(label="Academic year", required=False, help_text="e.g. 2026/27")
    show = forms.ChoiceField(
        label="Show", required=False,
        choices=[("active", "Active programmes"), ("inactive", "Inactive programmes"), ("all", "All programmes")],
    )


class ProgrammeRegistrationFilterForm(forms.Form):
    q = forms.CharField(label="Search learners", required=False)
    state = forms.ChoiceField(label="State", required=False, choices=[("", "Any")] + Registration.State.choices)


class RegistrationFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, help_text="Learner name, MIS id or Pearson number")
    state = forms.ChoiceField(label="State", required=False, choices=[("", "Any")] + Registration.State.choices)
    programme = forms.ModelChoiceField(label="Programme", required=False, queryset=None, empty_label="Any")
    due = forms.ChoiceField(label="Deadline", required=False, choices=[
        ("", "Any"), ("overdue", "Overdue (not yet sent, past the due date)"), ("due_soon", "Due in the next 14 days"),
    ])

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class LearnerPickFilterForm(forms.Form):
    programme = forms.ModelChoiceField(label="Register on programme", queryset=None, empty_label="Choose a programme")
    q = forms.CharField(label="Find learners", required=False, help_text="Name, MIS id, ULN or candidate number")

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class RegisterLearnersForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    learners = forms.ModelMultipleChoiceField(queryset=None, error_messages={"required": "Tick at least one learner."})
    enrolment_date = forms.DateField(label="Enrolment date", widget=DATE_WIDGET)
    planned_completion_date = forms.DateField(label="Planned completion date", widget=DATE_WIDGET,
                                              help_text="Must be in the future.")
    registration_type = forms.ChoiceField(label="Registration type", choices=Registration.RegistrationType.choices)
    confirm_transliteration = forms.BooleanField(
        label="I confirm the transliterations shown for accented names (e.g. Zoë → ZOE)", required=False,
    )

    def __init__(self, *args, programmes=None, learners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["learners"].queryset = learners if learners is not None else Learner.objects.none()


class BatchForm(forms.Form):
    registrations = forms.ModelMultipleChoiceField(queryset=None, error_messages={"required": "Tick at least one draft registration."})
    registration_type = forms.ChoiceField(label="Registration type", choices=Registration.RegistrationType.choices)
    enrolment_date = forms.DateField(label="Enrolment date (group header)", widget=DATE_WIDGET)
    order_number = forms.CharField(label="Order number", max_length=12, help_text="Up to 12 letters and digits.")
    study_mode = forms.ChoiceField(label="Study mode", choices=RegistrationBatch._meta.get_field("study_mode").choices)
    late_reason = forms.CharField(label="Why late (required if any registration is past its due date)", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, drafts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registrations"].queryset = drafts


class ConfirmForm(forms.Form):
    pearson_registration_number = forms.CharField(label="Pearson registration number", max_length=40)
    registered_on = forms.DateField(label="Registered on", required=False, widget=DATE_WIDGET,
                                    help_text="Leave empty for today.")


class UploadForm(forms.Form):
    file = forms.FileField(label="Pearson's registration report (.xlsx or .csv)",
                           help_text="Rows are matched on the centre reference we sent; nothing is saved if any row is wrong.")


class ReasonForm(forms.Form):
    reason = forms.CharField(**REASON)


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label="Withdrawn on", widget=DATE_WIDGET)
    reason = forms.CharField(**REASON)


class TransferProgrammeForm(forms.Form):
    to_programme = forms.ModelChoiceField(label="Transfer to programme", queryset=None)
    transferred_on = forms.DateField(label="Transferred on", widget=DATE_WIDGET)
    reason = forms.CharField(**REASON)

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_programme"].queryset = programmes


class TransferOutForm(forms.Form):
    transferred_on = forms.DateField(label="Left on", widget=DATE_WIDGET)
    destination = forms.CharField(label="New centre (name or number)", required=False, max_length=200)
    reason = forms.CharField(**REASON)


class TransferInForm(forms.Form):
    programme = forms.ModelChoiceField(label="Programme here", queryset=None)
    previous_centre_number = forms.CharField(label="Previous centre number", max_length=5)
    previous_centre_name = forms.CharField(label="Previous centre name", max_length=200, required=False)
    previous_registration_number = forms.CharField(label="Registration number at the previous centre", max_length=40)
    enrolment_date = forms.DateField(label="Enrolment date here", widget=DATE_WIDGET)
    planned_completion_date = forms.DateField(label="Planned completion date", widget=DATE_WIDGET)
    units = forms.CharField(
        label="Units already achieved there", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line: unit number and grade, e.g. “1 P” or “2, M”.",
    )
    confirm_transliteration = forms.BooleanField(label="I confirm the transliteration of an accented name", required=False)
    reason = forms.CharField(**REASON)

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    def clean_units(self):
        rows = []
        for number, line in enumerate((self.cleaned_data.get("units") or "").splitlines(), start=1):
            parts = line.replace(",", " ").split()
            if not parts:
                continue
            if len(parts) != 2:
                raise forms.ValidationError(f"Line {number}: write the unit number and the grade, e.g. “1 P”.")
            rows.append((parts[0], parts[1]))
        return rows


class MarkSentForm(forms.Form):
    notifications = forms.ModelMultipleChoiceField(
        queryset=PearsonNotification.objects.filter(sent_at__isnull=True),
        error_messages={"required": "Tick at least one notification."},
    )
    sent_on = forms.DateField(label="Sent on", required=False, widget=DATE_WIDGET, help_text="Leave empty for now.")
    reference = forms.CharField(label="Pearson's reference", required=False, max_length=100)


class NotificationFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any")] + PearsonNotification.Kind.choices)
    show = forms.ChoiceField(label="Show", required=False, choices=[("owed", "Not yet sent"), ("sent", "Sent"), ("all", "All")])


__all__ = ["Programme"]


class QualificationForm(forms.ModelForm):
    reason = forms.CharField(label="Reason", required=False, help_text="Kept in the history (optional for a new qualification).")

    class Meta:
        from .models import Qualification

        model = Qualification
        fields = ["qan", "title", "level", "suite", "size_glh", "grading_scale"]


class UnitForm(forms.ModelForm):
    reason = forms.CharField(label="Reason", required=False)

    class Meta:
        from .models import Unit

        model = Unit
        fields = ["number", "title", "glh", "assessment", "mandatory"]


class ProgrammeForm(forms.ModelForm):
    reason = forms.CharField(label="Reason", required=False, help_text="Kept in the history.")

    class Meta:
        model = Programme
        fields = ["name", "qualification", "centre", "academic_year", "registration_mode", "start_date", "planned_end_date",
                  "approved_to", "certificate_end", "subject_leads", "is_active"]
        widgets = {**dict.fromkeys(("start_date", "planned_end_date", "approved_to", "certificate_end"), DATE_WIDGET),
                   "subject_leads": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        from core.roles import SUBJECT_LEAD

        super().__init__(*args, **kwargs)
        self.fields["subject_leads"].queryset = get_user_model().objects.filter(groups__name=SUBJECT_LEAD, is_active=True).order_by("last_name")
        self.fields["subject_leads"].label_from_instance = lambda u: u.get_full_name() or u.username


BAND_ROWS = 4


class DeadlineRuleForm(forms.ModelForm):
    """One academic year's registration deadline rule and up to four late-fee bands."""

    reason = forms.CharField(**REASON)
    confirm_rebanding = forms.BooleanField(
        label="Pearson's published rule really changed: work out the due dates and fee bands of registrations already sent again",
        required=False,
    )

    class Meta:
        from .models import DeadlineRule

        model = DeadlineRule
        fields = ["academic_year", "registration_mode", "deadline", "weeks_after_enrolment"]
        widgets = {"deadline": DATE_WIDGET}
        help_texts = {
            "academic_year": "For example 2027/28.",
            "deadline": "Academic-year programmes: the date Pearson must have registrations by (1 November).",
            "weeks_after_enrolment": "Roll-on/roll-off programmes: weeks from each learner's enrolment (Pearson: 6).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].input_formats = ["%d/%m/%Y", "%Y-%m-%d"]
        bands = list(self.instance.fee_bands.order_by("from_days_late")) if self.instance.pk else []
        for i in range(1, BAND_ROWS + 1):
            band = bands[i - 1] if i <= len(bands) else None
            self.fields[f"band_{i}_days"] = forms.IntegerField(
                label=f"Band {i}: from how many days late", required=False, min_value=1,
                initial=band.from_days_late if band else None)
            self.fields[f"band_{i}_multiplier"] = forms.DecimalField(
                label=f"Band {i}: fee multiplier", required=False, min_value=1, max_digits=4, decimal_places=2,
                initial=band.multiplier if band else None, help_text="1.05 means 5% on top of the normal fee.")
            self.fields[f"band_{i}_label"] = forms.CharField(
                label=f"Band {i}: name", required=False, max_length=60, initial=band.label if band else "")

    def band_rows(self):
        return [(self[f"band_{i}_days"], self[f"band_{i}_multiplier"], self[f"band_{i}_label"]) for i in range(1, BAND_ROWS + 1)]

    def clean(self):
        data = super().clean()
        self.bands = []
        for i in range(1, BAND_ROWS + 1):
            days, multiplier, label = data.get(f"band_{i}_days"), data.get(f"band_{i}_multiplier"), data.get(f"band_{i}_label", "")
            if days is None and multiplier is None:
                if label:
                    self.add_error(f"band_{i}_days", f"Band {i} has a name but no days or multiplier.")
                continue
            if days is None or multiplier is None:
                self.add_error(f"band_{i}_days" if days is None else f"band_{i}_multiplier",
                               f"Band {i} needs both the days late it starts at and its multiplier.")
                continue
            self.bands.append((days, multiplier, label))
        return data


class SuiteRulesForm(forms.Form):
    external_resit_limit = forms.IntegerField(
        label="Resits allowed for each externally assessed unit", min_value=0, max_value=5,
        help_text="Pearson's rule is one resit (two attempts). Applies to entries made from now on.")
    terminal_rule = forms.BooleanField(label="Terminal rule: the external component is taken in the series the learner certificates in",
                                       required=False)
    near_pass_grade = forms.BooleanField(label="Units may be graded N (near pass)", required=False)
    reason = forms.CharField(**REASON)

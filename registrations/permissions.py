from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD

_READ = [
    "registrations.view_qualificationsuite", "registrations.view_qualification", "registrations.view_unit",
    "registrations.view_programme", "registrations.view_registration", "registrations.view_deadlinerule",
    "registrations.view_latefeeband", "registrations.view_pearsonnotification",
    "registrations.view_registrationbatch", "registrations.view_transferin", "registrations.view_transferinunit",
]
_WRITE = [
    f"registrations.{action}_{model}"
    for model in ("qualification", "unit", "programme", "registration", "pearsonnotification",
                  "registrationbatch", "transferin", "transferinunit")
    for action in ("add", "change")
]

# The yearly rules (deadlines, late-fee bands, suite re-assessment rules) are kept up to date by the exams officer.
_RULES = ["registrations.add_deadlinerule", "registrations.change_deadlinerule", "registrations.add_latefeeband",
          "registrations.change_latefeeband", "registrations.delete_latefeeband", "registrations.change_qualificationsuite"]

ROLE_PERMISSIONS = {
    EXAMS_OFFICER: _READ + _WRITE + _RULES,
    SUBJECT_LEAD: [
        "registrations.view_qualification", "registrations.view_unit",
        "registrations.view_programme", "registrations.view_registration",
        "registrations.view_transferin", "registrations.view_transferinunit",
    ],
    QUALITY_NOMINEE: _READ,
    SENIOR_LEADER: _READ,
}

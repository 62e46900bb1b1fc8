"""Who may do what with check lists, discrepancies and statements (see core/roles.py).

Scoping is separate: a subject lead holds these permissions but reaches only the lists of the
programmes they lead (ProgrammeCheck.objects.visible_to), and the services check they lead it.
"""

from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD

_READ = [
    "checks.view_checkround", "checks.view_programmecheck", "checks.view_discrepancy", "checks.view_statement",
]

ROLE_PERMISSIONS = {
    EXAMS_OFFICER: _READ + [
        "checks.add_checkround", "checks.change_checkround", "checks.reopen_programmecheck",
        "checks.resolve_discrepancy", "checks.issue_statement",
    ],
    SUBJECT_LEAD: [
        "checks.view_programmecheck", "checks.view_discrepancy", "checks.view_statement",
        "checks.sign_off_programmecheck",
    ],
    QUALITY_NOMINEE: _READ,
    SENIOR_LEADER: _READ,
}

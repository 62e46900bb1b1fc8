from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD

_READ = ["entries.view_assessmentseries", "entries.view_entry", "entries.view_result"]

ROLE_PERMISSIONS = {
    EXAMS_OFFICER: _READ + [
        "entries.add_assessmentseries", "entries.change_assessmentseries",
        "entries.add_entry", "entries.change_entry", "entries.export_entry",
        "entries.add_result", "entries.change_result",
    ],
    # Subject leads read the entries and results of their own programmes only (scoped by visible_to).
    SUBJECT_LEAD: _READ,
    QUALITY_NOMINEE: _READ,
    SENIOR_LEADER: _READ,
}

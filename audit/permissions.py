from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER

ROLE_PERMISSIONS = {
    EXAMS_OFFICER: ["audit.view_auditevent"],
    QUALITY_NOMINEE: ["audit.view_auditevent"],
    SENIOR_LEADER: ["audit.view_auditevent"],
}

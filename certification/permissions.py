from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD

ROLE_PERMISSIONS = {
    EXAMS_OFFICER: ["certification.view_assessmentrecord"],
    SUBJECT_LEAD: [
        "certification.view_assessmentrecord", "certification.add_assessmentrecord",
        "certification.change_assessmentrecord",
    ],
    QUALITY_NOMINEE: ["certification.view_assessmentrecord"],
    SENIOR_LEADER: ["certification.view_assessmentrecord"],
}

from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD

ROLE_PERMISSIONS = {
    EXAMS_OFFICER: ["learners.view_centre", "learners.view_learner", "learners.add_learner", "learners.change_learner",
                    "learners.view_learnerimport", "learners.add_learnerimport", "learners.change_learnerimport"],
    SUBJECT_LEAD: ["learners.view_learner"],
    QUALITY_NOMINEE: ["learners.view_centre", "learners.view_learner"],
    SENIOR_LEADER: ["learners.view_centre", "learners.view_learner"],
}

from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD

_VIEW = [
    "certification.view_assessmentrecord", "certification.view_certificateclaim", "certification.view_certificate",
    "certification.view_claimbatch", "certification.view_samplinground", "certification.view_sampledclaim",
]

ROLE_PERMISSIONS = {
    # The exams officer makes claims, batches them, logs and checks certificates and issues them.
    EXAMS_OFFICER: [
        *_VIEW, "certification.add_certificateclaim", "certification.change_certificateclaim",
        "certification.add_claimbatch", "certification.change_claimbatch",
        "certification.add_certificate", "certification.change_certificate",
    ],
    # Subject leads own their programmes' assessment records and IV, and answer certificate cross-checks.
    SUBJECT_LEAD: [
        "certification.view_assessmentrecord", "certification.add_assessmentrecord",
        "certification.change_assessmentrecord", "certification.view_certificateclaim", "certification.view_certificate",
        "certification.respond_certificate_query",
    ],
    # Only the quality nominee opens sampling rounds and records their outcomes.
    QUALITY_NOMINEE: [*_VIEW, "certification.add_samplinground", "certification.change_samplinground",
                      "certification.record_sample_outcome"],
    SENIOR_LEADER: _VIEW,
}

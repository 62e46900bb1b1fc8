from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER

_READ = [
    "audit.view_auditevent", "audit.view_integrity", "audit.view_investigation",
    "audit.view_investigationevidence", "audit.view_retentionhold", "audit.view_purgerun",
    "audit.view_retentionpolicy", "audit.view_reports",
]
_RUN = [
    "audit.run_investigation", "audit.add_investigation", "audit.change_investigation",
    "audit.add_investigationevidence",
]

# Subject leads have none of these: they are the department an investigation may concern.
ROLE_PERMISSIONS = {
    EXAMS_OFFICER: _READ + _RUN,
    QUALITY_NOMINEE: _READ + _RUN,
    SENIOR_LEADER: [*_READ, "audit.acknowledge_investigation"],
}

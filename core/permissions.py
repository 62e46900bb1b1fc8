"""Permissions of the core app, per role (see core/roles.py)."""

from .roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD

ROLE_PERMISSIONS = {
    EXAMS_OFFICER: ["core.view_backgroundjob"],
    QUALITY_NOMINEE: ["core.view_backgroundjob"],
    SENIOR_LEADER: ["core.view_backgroundjob"],
    SUBJECT_LEAD: ["core.view_backgroundjob"],
}

from .roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD, user_roles


def roles(request):
    """Role flags for the navigation: `role.exams_officer`, `role.subject_lead`, ..."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"role": {}}
    names = user_roles(user)
    superuser = user.is_superuser
    return {
        "role": {
            "exams_officer": superuser or EXAMS_OFFICER in names,
            "subject_lead": SUBJECT_LEAD in names,
            "quality_nominee": superuser or QUALITY_NOMINEE in names,
            "senior_leader": superuser or SENIOR_LEADER in names,
            "names": sorted(names) or (["Administrator"] if superuser else []),
        }
    }

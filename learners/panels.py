from core.roles import sees_whole_centre

from .models import Learner


def home(request):
    if not request.user.has_perm("learners.view_learner"):
        return None
    qs = Learner.objects.visible_to(request.user)
    return {
        "learners_on_roll": qs.filter(status=Learner.Status.ON_ROLL).count(),
        "uln_not_known": qs.filter(uln_not_yet_known=True).count() if sees_whole_centre(request.user) else None,
    }

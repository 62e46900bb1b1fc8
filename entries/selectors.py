"""Reads about external assessment that other apps rely on."""

from registrations.models import Registration


def terminal_rule_problem(registration: Registration) -> str | None:
    """Why the Tech Award terminal rule is not met for a claim now, or None when it holds (or does
    not apply). Claims call it as gate 7.

    It fails closed: until external entries and results are recorded in this app, a qualification
    whose suite has the terminal rule cannot be shown to meet it.
    """
    suite = registration.programme.qualification.suite
    if not suite.terminal_rule:
        return None
    return "The terminal rule cannot be checked: no external assessment entries are recorded for this learner."

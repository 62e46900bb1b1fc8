"""Reads about assessment and certification that other apps rely on."""

from registrations.models import Registration


def full_claim_made(registration: Registration) -> bool:
    """Has a full-award certificate claim gone to Pearson for this registration (and not been
    declined)? Entries use it: a resit after a full claim needs the grade declined first.

    Until claims are recorded here, a certificated registration is the evidence of a full claim.
    """
    return registration.state == Registration.State.CERTIFICATED

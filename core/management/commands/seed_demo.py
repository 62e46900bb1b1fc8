"""Load the demo centre: 68199 Northfield Academy, its staff, programmes, learners and their history.

    python manage.py seed_demo          # only when settings.DEBUG is on; refused otherwise

Idempotent: the first run builds the centre; later runs find it, change nothing and print the
logins again (so `make run` can call it every time).

Everything that has a service goes through it (registrations, their state changes, assessment
records and their internal verification), inside time travel to realistic dates, so the history
of each row says who did what, when and why, as if the exams office had really worked that year.

Extension hook for other apps
-----------------------------
After the foundation data, every local app that defines `<app>/demo.py` with a function

    def seed_demo_data(*, centre, users, stdout) -> None

is called (through `core.hooks.app_hooks("demo", "seed_demo_data")`, in `settings.LOCAL_APPS` order) with:

* `centre`: the `learners.Centre` 68199 Northfield Academy (its programmes, learners and
  registrations already exist, in every registration state);
* `users`: a dict with `exams_officer`, `subject_leads` (list: sport, business, care leads),
  `quality_nominee`, `senior_leader`, `assessors` (list of staff with no role) and `admin`;
* `stdout`: the command's output stream, for a one-line summary of what the app added.

The hook runs on EVERY run of the command, so it must be idempotent itself (look for its own rows
first, e.g. `if Thing.objects.filter(...).exists(): return`). It runs at the real date and time;
use `core.management.commands.seed_demo.at(day)` to date its changes realistically.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.history import save_tracked
from core.hooks import app_hooks
from core.roles import EXAMS_OFFICER, QUALITY_NOMINEE, SENIOR_LEADER, SUBJECT_LEAD
from core.validators import uci_check_letter, uln_checksum_ok

CENTRE_NUMBER = "68199"
CENTRE_NAME = "Northfield Academy"
DEMO_PASSWORD = "northfield-demo"  # documented in README and docs/operations.md; demo only (DEBUG)
LONDON = ZoneInfo("Europe/London")

# username, first name, last name, role (None: staff without a role), superuser
STAFF = [
    ("admin", "Site", "Administrator", None, True),
    ("exams.officer", "Helen", "Price", EXAMS_OFFICER, False),
    ("sport.lead", "Dan", "Marsh", SUBJECT_LEAD, False),
    ("business.lead", "Priya", "Shah", SUBJECT_LEAD, False),
    ("care.lead", "Gwen", "Morgan", SUBJECT_LEAD, False),
    ("quality.nominee", "Owen", "Davies", QUALITY_NOMINEE, False),
    ("senior.leader", "Ruth", "Adeyemi", SENIOR_LEADER, False),
    ("j.patel", "Jaspreet", "Patel", None, False),
    ("m.okafor", "Mercy", "Okafor", None, False),
    ("r.hughes", "Rhys", "Hughes", None, False),
]

# qan, title, level, suite (seeded by registrations/0002), GLH, grading scale, units
# units: (number, title, GLH, internal?, mandatory?)
QUALIFICATIONS = {
    "sport": (
        "601/7218/6", "Pearson BTEC Level 3 National Extended Certificate in Sport", "3",
        "BTEC Nationals (2016)", 360, "single",
        [
            ("1", "Anatomy and Physiology", 120, False, True),
            ("2", "Fitness Training and Programming for Health, Sport and Well-being", 120, False, True),
            ("3", "Professional Development in the Sports Industry", 60, True, True),
            ("4", "Sports Leadership", 60, True, False),
            ("5", "Application of Fitness Testing", 60, True, False),
            ("7", "Practical Sports Performance", 60, True, False),
        ],
    ),
    "business3": (
        "601/7155/8", "Pearson BTEC Level 3 National Extended Certificate in Business", "3",
        "BTEC Nationals (2016)", 360, "single",
        [
            ("1", "Exploring Business", 90, True, True),
            ("2", "Developing a Marketing Campaign", 90, False, True),
            ("3", "Personal and Business Finance", 120, False, True),
            ("8", "Recruitment and Selection Process", 60, True, False),
        ],
    ),
    "care": (
        "603/7048/X", "Pearson BTEC Level 1/Level 2 Tech Award in Health and Social Care", "1/2",
        "BTEC Tech Awards (2022)", 120, "tech_award",
        [
            ("1", "Component 1: Human Lifespan Development", 36, True, True),
            ("2", "Component 2: Health and Social Care Services and Values", 36, True, True),
            ("3", "Component 3: Health and Wellbeing", 48, False, True),
        ],
    ),
    "business2": (
        "600/4734/5", "Pearson BTEC Level 1/Level 2 First Award in Business", "1/2",
        "BTEC Firsts (2018)", 120, "tech_award",
        [
            ("1", "Enterprise in the Business World", 30, True, True),
            ("2", "Finance for Business", 30, False, True),
            ("3", "Promoting a Brand", 30, True, False),
            ("8", "Recruitment, Selection and Employment", 30, True, False),
        ],
    ),
}

FIRST_NAMES = {
    "F": ["Amelia", "Olivia", "Isla", "Ava", "Mia", "Grace", "Freya", "Lily", "Ella", "Evie", "Ruby", "Sophie",
          "Chloe", "Poppy", "Aisha", "Maryam", "Hannah", "Jessica", "Layla", "Niamh", "Megan", "Ffion", "Holly",
          "Imogen", "Priya", "Amara", "Leah", "Erin", "Millie", "Scarlett"],
    "M": ["Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Arthur", "Oscar", "Charlie", "Jacob", "Thomas",
          "Mohammed", "Ethan", "Alfie", "James", "Joshua", "Dylan", "Rhys", "Callum", "Kai", "Reuben", "Tyler",
          "Samuel", "Harvey", "Kieran", "Ibrahim", "Owen", "Finley", "Lewis", "Aaron"],
}
LAST_NAMES = [
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
    "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
    "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark",
    "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson",
    "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson",
    "Simpson", "Ellis", "Adams", "Singh", "Begum", "Ali", "Hussain", "Nowak", "Kowalski", "O'Brien",
    "Smith-Jones", "McDonald", "Okoro", "Mensah",
]
# Names a real MIS would hold, which Pearson's upper-case A–Z rule makes the officer transliterate.
ACCENTED = [("Zoë", "Fletcher", "F"), ("Siân", "Pritchard", "F"), ("Chloé", "Dubois", "F"),
            ("José", "Núñez", "M"), ("Renée", "Brontë", "F"), ("Łukasz", "Wiśniewski", "M")]


def at(day: date, hour: int = 10):
    """Travel to `day` (UK time) so created_at, submitted_at and history dates are realistic."""
    import time_machine

    return time_machine.travel(datetime.combine(day, time(hour, 0), tzinfo=LONDON), tick=False)


@dataclass
class Demo:
    """What the seed builds, handed from one stage to the next."""

    today: date
    year: int  # academic year (start) of the newest cohort, all of whose events are in the past
    rng: random.Random
    users: dict
    centre: object = None
    quals: dict = field(default_factory=dict)
    programmes: dict = field(default_factory=dict)
    next_candidate: int = 1
    next_mis: int = 1
    next_pearson: int = 1
    used_ulns: set = field(default_factory=set)
    accented: list = field(default_factory=lambda: list(ACCENTED))
    next_order: int = 0  # bulk registration files sent

    def pearson_number(self, year: int) -> str:
        self.next_pearson += 1
        return f"{year % 100:02d}R{self.next_pearson + 40211:06d}"


class Command(BaseCommand):
    help = "Load the demo centre (68199 Northfield Academy) with staff of every role. DEBUG only; idempotent."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs when DEBUG is on: it creates accounts with a published demo password. "
                "Set DEBUG=true (development only), never on a live install."
            )
        try:
            import time_machine  # noqa: F401
        except ImportError:
            raise CommandError("seed_demo needs the time-machine package (pip install -r requirements.lock).")

        from learners.models import Centre

        today = timezone.localdate()
        # The newest cohort's events run to late November: pick the latest year whose November is past.
        year = today.year if today >= date(today.year, 12, 1) else today.year - 1
        users = self.ensure_users()
        demo = Demo(today=today, year=year, rng=random.Random(int(CENTRE_NUMBER)), users=users)

        centre = Centre.objects.filter(number=CENTRE_NUMBER).first()
        if centre is not None and centre.learners.exists():
            self.stdout.write(f"The demo centre {centre} is already loaded: nothing to add.")
        else:
            started = timezone.now()
            with transaction.atomic():
                self.build_centre(demo)
            self.stdout.write(
                f"Loaded the demo centre {demo.centre} in {(timezone.now() - started).total_seconds():.1f} s: "
                f"{demo.centre.learners.count()} learners, {len(demo.programmes)} programmes."
            )
            centre = demo.centre

        hook_users = {
            "exams_officer": users["exams.officer"],
            "subject_leads": [users["sport.lead"], users["business.lead"], users["care.lead"]],
            "quality_nominee": users["quality.nominee"],
            "senior_leader": users["senior.leader"],
            "assessors": [users["j.patel"], users["m.okafor"], users["r.hughes"]],
            "admin": users["admin"],
        }
        for _app_label, seed in app_hooks("demo", "seed_demo_data"):
            with transaction.atomic():
                seed(centre=centre, users=hook_users, stdout=self.stdout)
        # Check and seal the audit trail the demo wrote, as the nightly job would (home: "verified"); once.
        from audit.models import AuditEvent

        if not AuditEvent.objects.filter(action="audit.trail.verified").exists():
            call_command("verify_audit_trail", stdout=self.stdout)
        self.print_logins()

    # ---------------------------------------------------------------- staff

    def ensure_users(self) -> dict:
        """One account per role and three assessors; existing accounts are left exactly as they are."""
        User = get_user_model()
        users = {}
        password_hash = None  # hashing is slow on purpose: hash the shared demo password once
        for username, first, last, role, superuser in STAFF:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username, first_name=first, last_name=last, email=f"{username}@northfield.example.org",
                    is_staff=superuser, is_superuser=superuser,
                )
                if password_hash is None:
                    user.set_password(DEMO_PASSWORD)
                    password_hash = user.password
                user.password = password_hash
                user._change_reason = "Demo account"
                user.save()
                if role:
                    user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users

    def print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for every account: {DEMO_PASSWORD})")
        for username, first, last, role, superuser in STAFF:
            what = role or ("superuser: Django admin" if superuser else "assessor / internal verifier, no role")
            self.stdout.write(f"  {username:<17} {first} {last} ({what})")
        self.stdout.write("")

    # ---------------------------------------------------------------- the centre

    def build_centre(self, demo: Demo) -> None:
        from learners.models import Centre
        from registrations.models import Programme, Qualification, QualificationSuite, Unit

        admin, eo = demo.users["admin"], demo.users["exams.officer"]
        y = demo.year
        with at(date(y - 2, 7, 1)):
            centre = Centre.objects.filter(number=CENTRE_NUMBER).first() or Centre(number=CENTRE_NUMBER, name=CENTRE_NAME)
            if centre.pk is None:
                save_tracked(centre, actor=admin, reason="Centre approved by Pearson")
            demo.centre = centre
            for key, (qan, title, level, suite, glh, scale, units) in QUALIFICATIONS.items():
                qualification = Qualification.objects.filter(qan=qan).first()
                if qualification is None:
                    qualification = Qualification(
                        qan=qan, title=title, level=level, suite=QualificationSuite.objects.get(name=suite),
                        size_glh=glh, grading_scale=scale,
                    )
                    save_tracked(qualification, actor=admin, reason="Qualification taken from Pearson's specification")
                    for number, unit_title, unit_glh, internal, mandatory in units:
                        unit = Unit(
                            qualification=qualification, number=number, title=unit_title, glh=unit_glh,
                            assessment=Unit.Assessment.INTERNAL if internal else Unit.Assessment.EXTERNAL,
                            mandatory=mandatory,
                        )
                        save_tracked(unit, actor=admin, reason="Unit from the qualification specification")
                demo.quals[key] = qualification

        # key, qualification, cohort start year, years long, lead, name
        cohorts = [
            ("care_old", "care", y - 2, 2, "care.lead", "Health and Social Care Tech Award"),
            ("care_y11", "care", y - 1, 2, "care.lead", "Health and Social Care Tech Award"),
            ("care_y10", "care", y, 2, "care.lead", "Health and Social Care Tech Award"),
            ("sport_y13", "sport", y - 1, 2, "sport.lead", "Sport L3 National Extended Certificate"),
            ("sport_y12", "sport", y, 2, "sport.lead", "Sport L3 National Extended Certificate"),
            ("business_first", "business2", y - 1, 2, "business.lead", "Business First Award L2"),
            ("business_l3", "business3", y, 2, "business.lead", "Business L3 National Extended Certificate"),
        ]
        for key, qual_key, start, length, lead, label in cohorts:
            with at(date(start, 7, 10)):
                programme = Programme(
                    centre=centre, qualification=demo.quals[qual_key],
                    name=f"{label} ({start}–{(start + length) % 100:02d})",
                    academic_year=f"{start}/{(start + 1) % 100:02d}",
                    start_date=date(start, 9, 1), planned_end_date=date(start + length, 6, 30),
                    approved_to=date(start + length + 1, 8, 31), certificate_end=date(start + length + 2, 8, 31),
                )
                save_tracked(programme, actor=eo, reason="Programme set up for the new cohort")
                programme.subject_leads.set([demo.users[lead]])
                demo.programmes[key] = programme

        self.cohort_care_certificated(demo)
        self.cohort_care_year11(demo)
        self.cohort_care_year10(demo)
        self.cohort_sport_year13(demo)
        self.cohort_sport_year12(demo)
        self.cohort_business_first(demo)
        self.cohort_business_l3(demo)
        self.tell_pearson(demo)

    def tell_pearson(self, demo: Demo) -> None:
        """The exams officer told Pearson about changes a few days after making them, except the last three weeks'."""
        from registrations.models import PearsonNotification
        from registrations.services import notification_mark_sent

        cutoff = demo.today - timedelta(days=21)
        owed = PearsonNotification.objects.filter(sent_at__isnull=True).order_by("raised_at")
        for number, notification in enumerate(owed, start=1):
            raised = timezone.localtime(notification.raised_at).date()
            if raised >= cutoff:
                continue
            sent = raised + timedelta(days=3)
            with at(sent, 11):
                notification_mark_sent(actor=demo.users["exams.officer"], notification=notification,
                                       sent_at=timezone.now(), reference=f"EOL-{sent:%y%m%d}-{number:03d}")

    # ---------------------------------------------------------------- learners

    def make_learners(self, demo: Demo, n: int, *, age_in_sept: int, cohort_start: int, accented: int = 0,
                      uln_unknown: int = 0, no_uci: int = 0) -> list:
        from learners.services import learner_create

        rng = demo.rng
        eo = demo.users["exams.officer"]
        learners = []
        with at(date(cohort_start, 9, 3)):
            for i in range(n):
                if i < accented and demo.accented:
                    first, last, sex = demo.accented.pop(0)
                else:
                    sex = rng.choice("MF")
                    first, last = rng.choice(FIRST_NAMES[sex]), rng.choice(LAST_NAMES)
                born_year = cohort_start - age_in_sept - 1
                dob = date(born_year, 9, 1) + timedelta(days=rng.randrange(365))
                mis_id = f"NFA{demo.next_mis:05d}"
                demo.next_mis += 1
                unknown = i >= n - uln_unknown
                fields = {
                    "mis_id": mis_id, "legal_first_name": first, "legal_last_name": last, "date_of_birth": dob,
                    "sex": sex, "uln": None if unknown else self.new_uln(demo), "uln_not_yet_known": unknown,
                    "email": f"{mis_id.lower()}@students.northfield.example.org",
                }
                if rng.random() < 0.15:
                    fields["preferred_name"] = {"Thomas": "Tom", "Samuel": "Sam", "James": "Jim", "Jessica": "Jess",
                                                "Joshua": "Josh", "Amelia": "Millie"}.get(first, "")
                if i < n - no_uci:
                    candidate = f"{demo.next_candidate:04d}"
                    demo.next_candidate += 1
                    first_twelve = f"{CENTRE_NUMBER}0{cohort_start % 100:02d}{candidate}"
                    fields["candidate_number"] = candidate
                    fields["uci"] = first_twelve + uci_check_letter(first_twelve)
                learners.append(learner_create(actor=eo, centre=demo.centre, reason="Imported from the MIS", **fields))
        return learners

    def new_uln(self, demo: Demo) -> str:
        while True:
            body = str(demo.rng.randrange(100_000_000, 1_000_000_000))
            for last in "0123456789":
                uln = body + last
                if uln_checksum_ok(uln) and uln not in demo.used_ulns:
                    demo.used_ulns.add(uln)
                    return uln

    # ---------------------------------------------------------------- registrations

    def register(self, demo: Demo, learners: list, programme, *, drafted: date, submitted: date | None,
                 confirmed: date | None, late_reason: str = "") -> list:
        """Draft, submit and confirm a batch the way the exams office does it: all on the same days, the
        submission as one bulk registration file (kept with its batch, as the pages make it)."""
        from registrations.models import Registration
        from registrations.services import batch_submit, registration_confirm, registration_create_draft

        eo = demo.users["exams.officer"]
        completion = programme.planned_end_date
        with at(drafted):
            regs = [
                registration_create_draft(
                    actor=eo, learner=learner, programme=programme, enrolment_date=programme.start_date,
                    planned_completion_date=completion, reason="Registration drafted from the MIS import",
                    confirm_transliteration=True,  # the officer has checked e.g. Zoë → ZOE for Pearson
                )
                for learner in learners
            ]
        if submitted:
            with at(submitted):
                demo.next_order += 1
                batch_submit(actor=eo, registrations=regs, registration_type=Registration.RegistrationType.FULL_AWARD,
                             enrolment_date=programme.start_date, order_number=f"NFA{submitted:%y%m%d}{demo.next_order:02d}",
                             late_reason=late_reason)
            fresh = Registration.objects.in_bulk([r.pk for r in regs])
            regs = [fresh[r.pk] for r in regs]  # in the order given: the cohorts pick learners by position
        if confirmed:
            with at(confirmed):
                regs = [
                    registration_confirm(
                        actor=eo, registration=r, pearson_registration_number=demo.pearson_number(programme.start_date.year),
                        registered_on=confirmed, reason="Registration confirmed on Pearson's registration report",
                    )
                    for r in regs
                ]
        return regs

    def assess(self, demo: Demo, regs: list, unit_number: str, *, assessor: str, verifier: str | None,
               assessed: date, verified: date | None = None, disagree: int = 0, unverified: int = 0) -> None:
        """Record a unit's decisions for a batch, and internally verify most of them."""
        from certification.services import assessment_record_create, assessment_record_verify
        from registrations.models import Unit

        rng = demo.rng
        unit = Unit.objects.get(qualification=regs[0].programme.qualification, number=unit_number)
        near_pass = unit.qualification.suite.near_pass_grade
        grades = ["P", "P", "M", "M", "M", "D", "D"] + (["N"] if near_pass else ["U"])
        assessor_user, verifier_user = demo.users[assessor], demo.users[verifier] if verifier else None
        records = []
        with at(assessed, 15):
            for reg in regs:
                records.append(assessment_record_create(
                    actor=assessor_user, registration=reg, unit=unit, grade=rng.choice(grades), assessor=assessor_user,
                    date_assessed=assessed, reason="Assignment assessed",
                ))
        if verifier_user is None or verified is None:
            return
        to_verify = records[: len(records) - unverified] if unverified else records
        with at(verified, 16):
            for i, record in enumerate(to_verify):
                if i < disagree:
                    assessment_record_verify(
                        actor=verifier_user, record=record, internal_verifier=verifier_user, iv_date=verified,
                        outcome="disagreed", notes="Criteria at Merit not evidenced: feedback does not reference the work.",
                        reason="IV sample: grade not supported",
                    )
                else:
                    assessment_record_verify(
                        actor=verifier_user, record=record, internal_verifier=verifier_user, iv_date=verified,
                        outcome="agreed", notes="Assessment decision supported by the evidence.", reason="Internally verified",
                    )

    # ---------------------------------------------------------------- the cohorts

    def cohort_care_certificated(self, demo: Demo) -> None:
        """A Tech Award cohort that finished last summer: certificated, one grade declined to resit."""
        from registrations.services import registration_certificate, registration_decline_grade

        start = demo.year - 2
        eo = demo.users["exams.officer"]
        learners = self.make_learners(demo, 20, age_in_sept=14, cohort_start=start)
        regs = self.register(demo, learners, demo.programmes["care_old"], drafted=date(start, 9, 20),
                             submitted=date(start, 10, 8), confirmed=date(start, 10, 15))
        self.assess(demo, regs, "1", assessor="care.lead", verifier="m.okafor",
                    assessed=date(start + 1, 3, 14), verified=date(start + 1, 3, 28))
        self.assess(demo, regs, "2", assessor="m.okafor", verifier="care.lead",
                    assessed=date(start + 1, 12, 5), verified=date(start + 1, 12, 19))
        with at(date(start + 2, 8, 21)):
            regs = [registration_certificate(actor=eo, registration=r, certificated_on=date(start + 2, 8, 21),
                                             reason="Certificate claimed; results published") for r in regs]
        with at(date(start + 2, 9, 10)):
            registration_decline_grade(actor=eo, registration=regs[0],
                                       reason="Learner declines the L2P grade to resit Component 3 in the January series")

    def cohort_care_year11(self, demo: Demo) -> None:
        """Tech Award, second year: registered; one deleted in the refund window; one withdrawn."""
        from registrations.services import registration_delete, registration_withdraw

        start = demo.year - 1
        eo = demo.users["exams.officer"]
        learners = self.make_learners(demo, 28, age_in_sept=14, cohort_start=start, accented=2)
        regs = self.register(demo, learners, demo.programmes["care_y11"], drafted=date(start, 9, 22),
                             submitted=date(start, 10, 9), confirmed=date(start, 10, 16))
        with at(date(start, 11, 20)):
            registration_delete(actor=eo, registration=regs[-1],
                                reason="Learner moved to GCSE Food: registered in error, within the refund window")
        live = regs[:-1]
        self.assess(demo, live[:-1], "1", assessor="care.lead", verifier="m.okafor",
                    assessed=date(start + 1, 3, 12), verified=date(start + 1, 3, 26), disagree=2)
        with at(date(start + 1, 5, 6)):
            registration_withdraw(actor=eo, registration=live[-1], withdrawn_on=date(start + 1, 5, 6),
                                  reason="Learner left the academy (moved out of area)")
        self.assess(demo, live[:12], "2", assessor="m.okafor", verifier=None, assessed=demo.today - timedelta(days=3))

    def cohort_care_year10(self, demo: Demo) -> None:
        """Tech Award, first year: some registered, some still with Pearson, some drafts now overdue."""
        start = demo.year
        learners = self.make_learners(demo, 26, age_in_sept=14, cohort_start=start, accented=1, uln_unknown=6, no_uci=8)
        programme = demo.programmes["care_y10"]
        self.register(demo, learners[:14], programme, drafted=date(start, 9, 24), submitted=date(start, 10, 14),
                      confirmed=date(start, 10, 21))
        self.register(demo, learners[14:18], programme, drafted=date(start, 9, 24), submitted=date(start, 10, 30),
                      confirmed=None)
        # Joined in October without a ULN: drafted, not yet sent (past the 1 November deadline).
        self.register(demo, learners[18:], programme, drafted=date(start, 10, 20), submitted=None, confirmed=None)

    def cohort_sport_year13(self, demo: Demo) -> None:
        """Sport L3, second year: transfers out (to another centre and to Business), withdrawal and reinstatement."""
        from registrations.services import (
            registration_confirm,
            registration_reinstate,
            registration_submit,
            registration_transfer_out,
            registration_transfer_programme,
            registration_withdraw,
        )

        start = demo.year - 1
        eo = demo.users["exams.officer"]
        learners = self.make_learners(demo, 30, age_in_sept=16, cohort_start=start, accented=2)
        regs = self.register(demo, learners, demo.programmes["sport_y13"], drafted=date(start, 9, 18),
                             submitted=date(start, 10, 7), confirmed=date(start, 10, 14))
        self.assess(demo, regs[:26], "3", assessor="j.patel", verifier="sport.lead",
                    assessed=date(start + 1, 2, 6), verified=date(start + 1, 2, 20), disagree=1)
        self.assess(demo, regs[:20], "4", assessor="sport.lead", verifier="j.patel",
                    assessed=date(start + 1, 6, 12), verified=date(start + 1, 6, 26), unverified=4)
        with at(date(start, 12, 3)):
            registration_transfer_out(actor=eo, registration=regs[-1], transferred_on=date(start, 12, 3),
                                      destination="Riverside College (centre 70345)",
                                      reason="Family moved to Leeds; learner continues at Riverside College")
        with at(date(start, 11, 12)):
            new = registration_transfer_programme(
                actor=eo, registration=regs[-2], to_programme=demo.programmes["business_first"],
                transferred_on=date(start, 11, 12), reason="Learner changed course after half term",
            )
            new = registration_submit(actor=eo, registration=new, reason="Transfer sent to Pearson",
                                      late_reason="Transfer between programmes after the deadline")
        with at(date(start, 11, 26)):
            registration_confirm(actor=eo, registration=new, pearson_registration_number=demo.pearson_number(start),
                                 registered_on=date(start, 11, 26), reason="Transfer confirmed by Pearson")
        with at(date(start + 1, 1, 15)):
            registration_withdraw(actor=eo, registration=regs[-3], withdrawn_on=date(start + 1, 1, 15),
                                  reason="Learner left to start an apprenticeship")
            registration_withdraw(actor=eo, registration=regs[-4], withdrawn_on=date(start + 1, 1, 15),
                                  reason="Long-term absence: not attending")
        with at(date(start + 1, 2, 2)):
            registration_reinstate(actor=eo, registration=regs[-4],
                                   reason="Learner returned after illness; withdrawal reversed with Pearson")

    def cohort_sport_year12(self, demo: Demo) -> None:
        """Sport L3, first year: mostly registered on time; three sent late with a reason; one rejected back to draft."""
        from registrations.services import registration_return_to_draft

        start = demo.year
        eo = demo.users["exams.officer"]
        learners = self.make_learners(demo, 30, age_in_sept=16, cohort_start=start, accented=1)
        programme = demo.programmes["sport_y12"]
        regs = self.register(demo, learners[:25], programme, drafted=date(start, 9, 16),
                             submitted=date(start, 10, 6), confirmed=date(start, 10, 13))
        self.register(demo, learners[25:28], programme, drafted=date(start, 9, 16), submitted=date(start, 11, 18),
                      confirmed=date(start, 11, 25),
                      late_reason="Joined from another sixth form in October; MIS record arrived after the deadline")
        rejected = self.register(demo, learners[28:], programme, drafted=date(start, 9, 16),
                                 submitted=date(start, 10, 6), confirmed=None)
        with at(date(start, 10, 13)):
            registration_return_to_draft(actor=eo, registration=rejected[0],
                                         reason="Pearson rejected the row: date of birth does not match the ULN record")
        self.assess(demo, regs[:10], "3", assessor="j.patel", verifier=None, assessed=date(start, 11, 27))

    def cohort_business_first(self, demo: Demo) -> None:
        start = demo.year - 1
        learners = self.make_learners(demo, 24, age_in_sept=14, cohort_start=start)
        regs = self.register(demo, learners, demo.programmes["business_first"], drafted=date(start, 9, 19),
                             submitted=date(start, 10, 10), confirmed=date(start, 10, 17))
        self.assess(demo, regs, "1", assessor="business.lead", verifier="r.hughes",
                    assessed=date(start + 1, 1, 23), verified=date(start + 1, 2, 6), unverified=3)
        self.assess(demo, regs[:15], "3", assessor="r.hughes", verifier="business.lead",
                    assessed=date(start + 1, 6, 5), verified=date(start + 1, 6, 19))

    def cohort_business_l3(self, demo: Demo) -> None:
        """Business L3, first year: all registered on time."""
        start = demo.year
        learners = self.make_learners(demo, 20, age_in_sept=16, cohort_start=start)
        programme = demo.programmes["business_l3"]
        self.register(demo, learners, programme, drafted=date(start, 9, 17), submitted=date(start, 10, 8),
                      confirmed=date(start, 10, 15))

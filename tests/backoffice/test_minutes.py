"""The committee's minutes as a record: members and their attendance, the quorum, each decision
with its vote or its reason, each province's quota before and after, the signatures; read back
from the PDF the worker renders (pdftotext), and only by deciders of the session's provinces."""

from pathlib import Path

import pytest
from sqlalchemy import select, update

from portal.applications.models import Application
from portal.auth.models import User
from portal.committees import services
from portal.committees.models import CommitteeSession, Decision
from portal.extensions import db
from portal.timeutil import local_date
from tests.support.accounts import create_staff, create_user, csrf_token, login
from tests.support.agreements import new_call, pdftotext, recommended_in

OUT = Path("build/documents")
PLACE = "Siège de la Wilaya, Guelmim"
CHAIR = "محمد الإدريسي | الكاتب العام لولاية جهة كلميم واد نون"
MEMBERS = "Jean-Luc Martin | Directeur régional de l'Équipement (DRE)"
EXCUSED = "فاطمة الزهراء بناني | رئيسة المجلس الإقليمي لكلميم"
ABSENT = "Ali Ben Omar | Chambre de commerce, d'industrie et de services"
SECRETARY = "سعيد العمراني | المدير الجهوي للوكالة الوطنية لإنعاش التشغيل والكفاءات"
REJECTED_BECAUSE = "الملف ناقص: الشهادة البنكية (RIB) غير مرفقة"
DEFERRED_BECAUSE = "Visite du chantier à faire (commune de Ben Khlil)"


def _earlier_session(app, call_id, application_id):
    """A first session of the call that approved `application_id` (10 jobs in Guelmim)."""
    staff = create_staff(app, "committee_member", provinces=("Guelmim", "Tan-Tan"))
    with app.app_context():
        by = db.session.get(User, staff.id)
        session = services.open_session(
            db.session.get(Application, application_id).call, local_date(), ["A"], by=by
        )
        services.decide(session, db.session.get(Application, application_id), "approve", by=by)
        services.close(session, by=by)
        db.session.commit()


def _decide(client, path, token, application_id, outcome, **data):
    return client.post(
        f"{path}/decide",
        data={"application_id": str(application_id), "outcome": outcome, "csrf_token": token}
        | data,
    )


def test_the_minutes_state_members_quorum_votes_reasons_and_quotas(app):
    call_id = new_call(app, {"Guelmim": 50, "Tan-Tan": 40})
    (earlier, approved_g, rejected_g), _ = recommended_in(app, call_id, "Guelmim", 3, jobs=10)
    (approved_t, deferred_t), _ = recommended_in(app, call_id, "Tan-Tan", 2, jobs=8)
    _earlier_session(app, call_id, earlier)
    staff = create_staff(app, "committee_member", "secretariat", provinces=("Guelmim", "Tan-Tan"))
    client = app.test_client()
    client.set_cookie("lang", "fr")
    login(client, staff)
    token = csrf_token(client, "/backoffice/sessions/")
    opened = client.post(
        "/backoffice/sessions/",
        data={
            "call_id": str(call_id),
            "held_on": local_date().isoformat(),
            "place": PLACE,
            "members_present": f"{CHAIR}\n{MEMBERS}",
            "members_excused": EXCUSED,
            "members_absent": ABSENT,
            "secretary": SECRETARY,
            "csrf_token": token,
        },
    )
    assert opened.status_code == 302, opened.get_data(as_text=True)[:3000]
    path = opened.headers["Location"]
    session_id = int(path.rsplit("/", 1)[1])
    with app.app_context():
        session = db.session.get(CommitteeSession, session_id)
        members = [(m.name, m.role, m.attendance) for m in session.members]
        absent_id = session.members[3].id
        assert session.number == 2  # the call's regional committee sat once before
        assert services.quorum(session).present == 2  # the secretary does not vote
    assert members == [
        ("محمد الإدريسي", "chair", "present"),
        ("Jean-Luc Martin", "member", "present"),
        ("فاطمة الزهراء بناني", "member", "excused"),
        ("Ali Ben Omar", "member", "absent"),
        ("سعيد العمراني", "secretary", "present"),
    ]

    # A vote of more voices than voting members present, a deferral without its reason:
    # nothing is recorded.
    _decide(client, path, token, approved_g, "approve", votes_for="5")
    _decide(client, path, token, deferred_t, "defer")
    with app.app_context():
        assert not db.session.scalars(select(Decision).filter_by(session_id=session_id)).all()
    votes = {"votes_for": "2", "votes_against": "0", "votes_abstaining": "0"}
    _decide(client, path, token, approved_g, "approve", **votes, **{f"jobs_{approved_g}": "12"})
    _decide(client, path, token, approved_t, "approve")  # no vote counted
    _decide(
        client,
        path,
        token,
        rejected_g,
        "reject",
        reason=REJECTED_BECAUSE,
        votes_for="0",
        votes_against="2",
    )
    _decide(client, path, token, deferred_t, "defer", reason=DEFERRED_BECAUSE)
    with app.app_context():
        outcomes = {
            d.application_id: (d.outcome, d.votes_for, d.votes_against, d.votes_abstaining)
            for d in db.session.scalars(select(Decision).filter_by(session_id=session_id))
        }
    assert outcomes == {
        approved_g: ("approve", 2, 0, 0),
        approved_t: ("approve", None, None, None),
        rejected_g: ("reject", 0, 2, 0),
        deferred_t: ("defer", None, None, None),
    }

    # Two of the four voting members called are present: no quorum, the session stays open.
    client.post(f"{path}/close", data={"confirm": "y", "csrf_token": token})
    with app.app_context():
        assert db.session.get(CommitteeSession, session_id).closed_at is None
        assert db.session.get(Application, approved_g).status == "recommended"
    # The member marked absent came after all: recorded at the close, the quorum is reached.
    client.post(
        f"{path}/close",
        data={"confirm": "y", f"attendance_{absent_id}": "present", "csrf_token": token},
    )
    with app.app_context():
        session = db.session.get(CommitteeSession, session_id)
        assert session.closed_at is not None and session.minutes_sha256  # the eager worker
        ledger = {
            row.province.name_fr: (
                row.quota_jobs,
                row.committed_before,
                row.granted_jobs,
                row.remaining_jobs,
            )
            for row in session.provinces
        }
        numbers = {i: db.session.get(Application, i).number for i in outcomes}
        signed_on = session.closed_at
    assert ledger == {"Guelmim": (50, 10, 12, 28), "Tan-Tan": (40, 0, 8, 32)}

    response = client.get(f"{path}/minutes.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "minutes-record.pdf").write_bytes(response.data)
    text = pdftotext(OUT / "minutes-record.pdf")
    french_at = text.index("Procès-verbal de la séance du comité")
    arabic, french = text[:french_at], text[french_at:]
    assert arabic.index("محضر") < french_at

    for expected in (
        "Comité régional",
        "Séance n° 2",
        "Guelmim · Tan-Tan",
        local_date().strftime("%d/%m/%Y"),
        PLACE,
        # Members with their capacity and attendance; the secretary without a vote.
        "Jean-Luc Martin",
        "Directeur régional de l'Équipement",
        "Ali Ben Omar",
        "Excusé",
        "sans voix délibérative",
        # The quorum: four voting members called, three present.
        "convoqués : 4 ; présents : 3",
        "soit 3 présents",
        "Le quorum étant atteint, le comité peut valablement délibérer.",
        # Each decision with its vote or its reason.
        "Demandes examinées : 4 ; approuvées : 2 ; rejetées : 1 ; ajournées : 1.",
        "Pour : 2, contre : 0, abstentions : 0",
        "Pour : 0, contre : 2, abstentions : 0",
        "Non décompté",
        "Visite du chantier",
        # The quota of each province: allotted, committed before, granted, remaining.
        "Guelmim 50 10 12 28",
        "Tan-Tan 40 0 8 32",
        "Total 90 10 20 60",
        # Signed where and when, by the chair and the members present.
        f"Fait à {PLACE}, le {signed_on.strftime('%d/%m/%Y')}.",
        "Le président",
        "Le secrétaire",
    ):
        assert expected in french, (expected, french)
    for name in ("محمد الإدريسي", "فاطمة الزهراء بناني", "سعيد العمراني"):
        assert name in arabic and name in french, name
    for number in numbers.values():
        assert arabic.count(number) == 1 and french.count(number) == 1, number
    for expected in (
        "اللجنة الجهوية",
        "الدورة رقم 2",
        "الموافقون",  # pdftotext moves the Arabic half's colons and commas about the figures
        "المعارضون",
        "الممتنعون",
        "لم تحتسب الأصوات",
        "كلميم 50 10 12 28",
        "طانطان 40 0 8 32",
        "المجموع 90 10 20 60",
        "اكتمال النصاب",
        "حاضر",
        "معتذر",
        "وبعد استنفاد جدول الأعمال",
        "حرر في",
    ):
        assert expected in arabic, (expected, arabic)
    # The member excused signs nowhere; the one who came signs.
    signatures = french[french.index("Fait à") :]
    assert "Ali Ben Omar" in signatures
    assert "فاطمة الزهراء بناني" not in signatures
    # Each reason, stated on both halves.
    assert "الملف ناقص" in arabic and "الملف ناقص" in french
    assert "Visite du chantier" in arabic


def test_only_deciders_of_every_province_of_the_session_read_its_minutes(app):
    call_id = new_call(app, {"Guelmim": 50, "Tan-Tan": 40})
    (application_id,), _ = recommended_in(app, call_id, "Guelmim", 1, jobs=5)
    _earlier_session(app, call_id, application_id)
    with app.app_context():
        session_id = db.session.scalar(select(CommitteeSession.id).filter_by(call_id=call_id))
    path = f"/backoffice/sessions/{session_id}/minutes.pdf"
    readers = {
        "regional": create_staff(app, "committee_member", provinces=("Guelmim", "Tan-Tan")),
        "admin": create_staff(app, "admin", provinces=("Assa-Zag",)),
    }
    refused = {
        "one_province": create_staff(app, "committee_member", provinces=("Guelmim",)),
        "other_province": create_staff(app, "secretariat", provinces=("Sidi Ifni",)),
        "reviewer": create_staff(app, "technical_committee", provinces=("Guelmim", "Tan-Tan")),
        "applicant": create_user(app),
    }
    for who, user in readers.items():
        client = app.test_client()
        login(client, user)
        response = client.get(path)
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), who
    for who, user in refused.items():
        client = app.test_client()
        login(client, user)
        assert client.get(path).status_code in (403, 404), who


def test_the_quorum_is_the_editions_and_a_vote_counts_no_more_than_the_members_present(app):
    call_id = new_call(app, {"Guelmim": 50})
    (application_id,), _ = recommended_in(app, call_id, "Guelmim", 1, jobs=5)
    staff = create_staff(app, "committee_member", provinces=("Guelmim",))
    with app.app_context():
        by = db.session.get(User, staff.id)
        application = db.session.get(Application, application_id)
        session = services.open_session(
            application.call,
            local_date(),
            ["A | chair", "B", "C", "D"],
            absent=["F"],
            secretary="E | ANAPEC",
            by=by,
        )
        # Four of the five voting members: more than half (3 needed) is reached ...
        assert services.quorum(session) == services.Quorum(5, 4, 3, 0.5)
        # ... not more than four fifths, if the edition's data file asked for that.
        edition = application.call.edition
        edition.parameters = {**edition.parameters, "committee": {"quorum_share": 0.8}}
        assert not services.quorum(session).reached
        edition.parameters = {**edition.parameters, "committee": {"quorum_share": 0.5}}
        with pytest.raises(services.TooManyVotes):
            services.decide(session, application, "approve", votes=(4, 1, 0), by=by)
        services.decide(session, application, "approve", votes=(4, 0, 0), by=by)
        # D left before the close: the vote of four now counts more voices than are present.
        d = session.members[3]
        with pytest.raises(services.TooManyVotes):
            services.close(session, attendance={d.id: "absent"}, by=by)
        assert session.closed_at is None
        # C and D both gone: two of five, no quorum.
        with pytest.raises(services.QuorumNotReached):
            services.close(session, attendance={session.members[2].id: "absent"}, by=by)
        assert session.closed_at is None
        services.close(
            session, attendance={d.id: "present", session.members[2].id: "present"}, by=by
        )
        assert session.closed_at is not None
        assert [m.attendance for m in session.members] == ["present"] * 4 + ["absent", "present"]


def test_an_approval_withdrawn_before_the_close_grants_nothing_in_the_minutes(app):
    call_id = new_call(app, {"Guelmim": 50})
    (kept, withdrawn), _ = recommended_in(app, call_id, "Guelmim", 2, jobs=5)
    staff = create_staff(app, "committee_member", provinces=("Guelmim",))
    with app.app_context():
        by = db.session.get(User, staff.id)
        call = db.session.get(Application, kept).call
        session = services.open_session(call, local_date(), ["A | chair"], by=by)
        for application_id in (kept, withdrawn):
            services.decide(session, db.session.get(Application, application_id), "approve", by=by)
        db.session.execute(
            update(Application).where(Application.id == withdrawn).values(status="withdrawn")
        )
        db.session.expire_all()
        session = db.session.get(CommitteeSession, session.id)
        services.close(session, by=by)
        (row,) = session.provinces
        assert (row.quota_jobs, row.committed_before, row.granted_jobs, row.remaining_jobs) == (
            50,
            0,
            5,
            45,
        )
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "minutes-withdrawn.pdf").write_bytes(services.minutes_pdf(session))
    text = pdftotext(OUT / "minutes-withdrawn.pdf")
    french = text[text.index("Procès-verbal de la séance du comité") :]
    assert "retirée avant la clôture" in french
    assert "50 0 5 45" in french[french.index("Postes du quota par province") :]

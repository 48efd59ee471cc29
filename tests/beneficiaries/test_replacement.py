"""B1-REPLACEMENT: a worker who left early is replaced for the rest of the worksite when the
edition allows it, on the same job, passing every enrolment rule; refused, with the reason in
the partner's language, when it does not."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.access import can
from portal.agreements.models import Agreement
from portal.auth.models import User
from portal.beneficiaries import services
from portal.beneficiaries.models import Contract
from portal.extensions import db
from tests.support.accounts import create_staff, create_user
from tests.support.beneficiaries import (
    enrol,
    enrol_form,
    new_cin,
    person_details,
    send,
    signed_agreement,
    signed_in,
)
from tests.support.queries import count_queries

# The leaver's contract: 1 March to 31 August 2027, left on 30 April.
LEFT_ON, PLANNED_END = date(2027, 4, 30), date(2027, 8, 31)


@pytest.fixture
def side(app):
    return signed_agreement(app, jobs=2)


def leaver_and_colleague(side) -> tuple[Contract, Contract]:
    """Both jobs of the agreement held and validated; the first worker resigned on 30 April."""
    staff, editor = db.session.get(User, side.staff.id), db.session.get(User, side.editor.id)
    leaver, colleague = enrol(side, new_cin()).contract, enrol(side, new_cin()).contract
    for contract in (leaver, colleague):
        services.validate(contract, by=staff)
    services.end_contract(leaver, LEFT_ON, "resigned", "وجد عملا", by=editor)
    return leaver, colleague


def replace(side, leaver, cin=None, *, start=date(2027, 5, 1), end=PLANNED_END, **person):
    return services.replace(
        leaver,
        cin or new_cin(),
        person_details(side.commune_id, **person),
        kind="cdd",
        role="عامل",
        start_date=start,
        planned_end=end,
        monthly_wage=leaver.monthly_wage,
        by=db.session.get(User, side.editor.id),
    )


def refusal(call) -> str | None:
    try:
        call()
    except services.EnrolmentRefused as refused:
        return refused.reason
    return None


def set_replacement(side, allowed: bool) -> None:
    edition = db.session.get(Agreement, side.agreement_id).application.call.edition
    settings = edition.parameters.get("beneficiaries", {}) | {"replacement_allowed": allowed}
    edition.parameters = edition.parameters | {"beneficiaries": settings}


def test_the_editions_say_whether_a_leaver_is_replaced(app, side):
    with app.app_context():
        edition = db.session.get(Agreement, side.agreement_id).application.call.edition
        assert services.replacement_allowed(edition) is True  # editions/*.toml
        set_replacement(side, False)
        assert services.replacement_allowed(edition) is False
        edition.parameters = {k: v for k, v in edition.parameters.items() if k != "beneficiaries"}
        assert services.replacement_allowed(edition) is False  # not said: no replacement


def test_a_leaver_is_replaced_on_the_same_job_for_the_rest_of_the_worksite(app, side):
    with app.app_context():
        leaver, colleague = leaver_and_colleague(side)
        replacement = replace(side, leaver).contract
        assert replacement.replaced_contract_id == leaver.id
        assert replacement.status == "proposed" and replacement.post_index is None
        assert services.replacement_of(leaver) == replacement
        # One job each: three people on the agreement, two jobs held, none free for a fourth.
        people = db.session.scalar(
            select(func.count(Contract.id)).filter_by(application_id=side.application_id)
        )
        assert (people, services.holding_count(side.application_id)) == (3, 2)
        assert refusal(lambda: enrol(side, new_cin())) == "no_jobs_left"
        # Once only, and only what ended early.
        assert refusal(lambda: replace(side, leaver)) == "not_replaceable"
        assert refusal(lambda: replace(side, colleague)) == "not_replaceable"
        services.end_contract(
            colleague, PLANNED_END, "completed", by=db.session.get(User, side.editor.id)
        )
        assert refusal(lambda: replace(side, colleague)) == "not_replaceable"


def test_a_replacement_takes_the_freed_job_and_no_other(app, side):
    """The leaver's job was given to someone else meanwhile: the replacement would be a third
    worker on two jobs, so it is refused like any enrolment past the jobs."""
    with app.app_context():
        leaver, _colleague = leaver_and_colleague(side)
        enrol(side, new_cin(), start=date(2027, 5, 1))
        assert refusal(lambda: replace(side, leaver)) == "no_jobs_left"


def test_a_replacement_covers_the_rest_of_the_contract_only(app, side):
    with app.app_context():
        leaver, _colleague = leaver_and_colleague(side)
        assert refusal(lambda: replace(side, leaver, start=LEFT_ON)) == "replacement_dates"
        assert refusal(lambda: replace(side, leaver, end=date(2027, 9, 1))) == "replacement_dates"
        assert services.replacement_window(leaver) == (date(2027, 5, 1), PLANNED_END)
        assert refusal(lambda: replace(side, leaver, start=date(2027, 6, 1))) is None


def test_a_replacement_passes_every_enrolment_rule(app, side):
    """Under contract elsewhere on those days, or too young: refused as an enrolment is."""
    elsewhere = signed_agreement(app, province="Guelmim", jobs=1)
    cin = new_cin()
    with app.app_context():
        leaver, _colleague = leaver_and_colleague(side)
        enrol(elsewhere, cin, start=date(2027, 6, 1), end=date(2027, 12, 31))
        assert refusal(lambda: replace(side, leaver, cin)) == "already_under_contract"
        young = {"birth_date": date(2012, 1, 1)}
        assert refusal(lambda: replace(side, leaver, **young)) == "ineligible"
        assert services.replacement_of(leaver) is None


def test_no_replacement_when_the_edition_does_not_allow_it(app, side):
    with app.app_context():
        leaver, _colleague = leaver_and_colleague(side)
        set_replacement(side, False)
        assert refusal(lambda: replace(side, leaver)) == "replacement_off"
        assert services.replacement_of(leaver) is None


@pytest.mark.parametrize(
    ("lang", "offered", "said"),
    [
        ("ar", "استبدال", "لا تسمح هذه الدورة من أوراش باستبدال عامل غادر"),
        ("fr", "Remplacer", "Cette édition d’Awrach ne permet pas de remplacer un travailleur"),
    ],
)
def test_the_workers_page_offers_the_replacement_and_says_when_it_is_off(
    app, side, html_pages, lang, offered, said
):
    with app.app_context():
        leaver, _colleague = leaver_and_colleague(side)
        leaver_id = leaver.id
        db.session.commit()
    client = signed_in(app, side.editor, lang)
    workers = f"/agreements/{side.agreement_id}/workers"
    path = f"/contracts/{leaver_id}/replace"
    page = client.get(workers).get_data(as_text=True)
    assert f'href="{path}"' in page and offered in page
    form = client.get(path)
    assert form.status_code == 200 and 'value="2027-05-01"' in form.get_data(as_text=True)
    html_pages.save(f"beneficiaries-replace-{lang}", form.get_data(as_text=True))
    late = send(client, path, enrol_form(side.commune_id, new_cin(), start_date="2027-04-15"))
    assert late.status_code == 400
    html_pages.save(f"beneficiaries-replace-errors-{lang}", late.get_data(as_text=True))

    with app.app_context():
        set_replacement(side, False)
        db.session.commit()
    try:
        assert f'href="{path}"' not in client.get(workers).get_data(as_text=True)
        refused = send(
            client, path, enrol_form(side.commune_id, new_cin(), start_date="2027-05-01")
        )
        assert refused.status_code == 409 and said in refused.get_data(as_text=True)
        html_pages.save(f"beneficiaries-replace-off-{lang}", refused.get_data(as_text=True))
    finally:
        with app.app_context():
            set_replacement(side, True)
            db.session.commit()

    cin = new_cin()
    done = send(client, path, enrol_form(side.commune_id, cin, start_date="2027-05-01"))
    assert done.status_code == 302 and done.headers["Location"].endswith(workers)
    with app.app_context():
        replacement = db.session.scalar(select(Contract).join(Contract.person).filter_by(cin=cin))
        assert replacement.replaced_contract_id == leaver_id
    assert f'href="{path}"' not in client.get(workers).get_data(as_text=True)  # replaced


def test_only_the_employers_editors_replace(app, side):
    stranger = create_user(app)
    admin = create_staff(app, "admin")
    with app.app_context():
        leaver, colleague = leaver_and_colleague(side)
        who = {
            name: can(db.session.get(User, user.id), "replace", leaver)
            for name, user in {
                "owner": side.owner,
                "editor": side.editor,
                "stranger": stranger,
                "secretariat": side.staff,
                "admin": admin,
            }.items()
        }
        assert not can(db.session.get(User, side.editor.id), "replace", colleague)  # at work
    assert who == {
        "owner": True,
        "editor": True,
        "stranger": False,
        "secretariat": False,
        "admin": False,
    }


def test_the_workers_page_offers_replacements_without_a_query_per_contract(app):
    """Its statements are the same with one leaver and with two (the agreement, its edition and
    the employer are loaded once, whatever the number of contracts)."""
    side = signed_agreement(app, jobs=6)
    client = signed_in(app, side.editor, "fr")
    workers = f"/agreements/{side.agreement_id}/workers"
    counts = []
    for _ in range(2):
        with app.app_context():
            leaver_id = leaver_and_colleague(side)[0].id
            db.session.commit()
        client.get(workers)
        with count_queries(app) as queries:
            page = client.get(workers).get_data(as_text=True)
        counts.append(queries["n"])
        assert f'href="/contracts/{leaver_id}/replace"' in page
    assert counts[0] == counts[1], counts

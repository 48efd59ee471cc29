"""The outcome dashboard's page: staff of a province see its figures and no other's, the
region's total only for who sees every province; applicants are refused; the charts are
accessible SVG drawn right to left in Arabic; the page runs the same statements at 10 and at
1,000 contracts."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from portal.beneficiaries.models import Contract, Person
from portal.extensions import db
from portal.geo.models import Province
from portal.outcomes import services
from portal.outcomes.models import OutcomeRefresh
from portal.outcomes.presenters import LABEL_WIDTH, WIDTH
from tests.support.accounts import create_staff, create_user, csrf_token, login
from tests.support.beneficiaries import signed_in
from tests.support.payroll import shared_when_rolled_back
from tests.support.queries import page_statements
from tests.support.statements import TODAY, workforce

PAGE = "/backoffice/outcomes/"
STAY = timedelta(days=180)


@pytest.fixture(scope=shared_when_rolled_back)
def side(app):
    """Three workers in Sidi Ifni (tests/support/statements.py), counted."""
    side = workforce(app)
    with app.app_context():
        services.refresh(today=TODAY)
        db.session.commit()
    return side


def _province(name: str) -> Province:
    return db.session.scalar(select(Province).filter_by(name_fr=name))


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_staff_of_the_province_see_its_funnel_with_accessible_charts(app, side, lang):
    page = signed_in(app, side.staff, lang).get(PAGE).get_data(as_text=True)
    with app.app_context():
        name = getattr(_province("Sidi Ifni"), f"name_{lang}")
    assert name in page
    charts = re.findall(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert charts
    for svg in charts:
        title = re.search(r'aria-labelledby="([^"]+)"', svg).group(1)
        table = re.search(r'aria-describedby="([^"]+)"', svg).group(1)
        assert 'role="img"' in svg
        assert f'<title id="{title}">' in svg
        assert f'id="{table}"' in page  # the table alternative is on the page
    # every figure beside its definition and the time it was computed
    figures = re.findall(r'<div class="figure">(.*?)</div>', page, re.S)
    assert len(figures) == 13  # the visits' figure included
    for figure in figures:
        assert re.search(r"<dt>.+</dt>", figure) and figure.count("<dd") == 3
        assert '<bdi dir="ltr">' in figure.rsplit("<dd", 1)[1]  # the time it was computed


def test_the_bars_grow_from_the_right_in_arabic_and_from_the_left_in_french(app, side):
    bars = {}
    for lang in ("ar", "fr"):
        page = signed_in(app, side.staff, lang).get(PAGE).get_data(as_text=True)
        svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)  # the first: the total's funnel
        rects = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
        bars[lang] = [(float(x), float(w)) for x, w in rects]
    # the first bar (the target) is the longest: it ends at the right edge of the bar area in
    # Arabic, where the labels begin, and starts at the left one in French
    (x_ar, w_ar), (x_fr, w_fr) = bars["ar"][0], bars["fr"][0]
    assert w_ar == w_fr > 0
    assert x_fr == LABEL_WIDTH and x_ar + w_ar == pytest.approx(WIDTH - LABEL_WIDTH, abs=0.1)


def test_staff_of_another_province_see_only_theirs_and_no_region_total(app, side):
    elsewhere = create_staff(app, "secretariat", provinces=("Guelmim",))
    with app.app_context():
        sidi_ifni = _province("Sidi Ifni")
    client = signed_in(app, elsewhere, "fr")
    for path in (PAGE, f"{PAGE}?province={sidi_ifni.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "Sidi Ifni" not in page
        assert "Guelmim" in page
        assert "La région" not in page
    admin = signed_in(app, create_staff(app, "admin"), "fr").get(PAGE).get_data(as_text=True)
    assert "Sidi Ifni" in admin and "La région" in admin


def test_applicants_and_visitors_are_refused(app, side):
    applicant = app.test_client()
    login(applicant, create_user(app))
    assert applicant.get(PAGE).status_code == 403
    assert applicant.post(f"{PAGE}refresh").status_code in (400, 403)
    assert app.test_client().get(PAGE).status_code == 302
    owner = signed_in(app, side.owner)
    assert owner.get(PAGE).status_code == 403


def test_only_the_secretariat_asks_for_a_count_now_and_it_counts(app, side):
    reviewer = signed_in(app, create_staff(app, "technical_committee", provinces=("Sidi Ifni",)))
    token = csrf_token(reviewer, PAGE)
    assert reviewer.post(f"{PAGE}refresh", data={"csrf_token": token}).status_code == 403
    with app.app_context():
        before = db.session.get(OutcomeRefresh, 1).computed_at
    staff = signed_in(app, side.staff)
    assert staff.post(f"{PAGE}refresh").status_code == 400  # no token
    response = staff.post(f"{PAGE}refresh", data={"csrf_token": csrf_token(staff, PAGE)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(OutcomeRefresh, 1).computed_at > before  # the task ran (eager)


def _more_contracts(app, side, n: int) -> None:
    """`n` more validated contracts on the side's agreement, people and all, in bulk."""
    with app.app_context():
        template = db.session.get(Contract, side.contracts["full"])
        person = {
            c.name: getattr(template.person, c.name)
            for c in Person.__table__.columns
            if c.name != "id"
        }
        contract = {
            c.name: getattr(template, c.name) for c in Contract.__table__.columns if c.name != "id"
        }
        start = db.session.scalar(select(Person.id).order_by(Person.id.desc())) or 0
        people = [
            person
            | {
                "cin": f"ZB{start + i:06d}"[:10],
                "cnss_number": None,
                "sex": ("female", "male")[i % 2],
                "birth_date": date(1970 + i % 40, 1, 1),
            }
            for i in range(n)
        ]
        ids = db.session.execute(
            insert(Person).returning(Person.id, sort_by_parameter_order=True), people
        ).scalars()
        rows = []
        for i, pid in enumerate(ids):
            start = date(2025 + i % 3, 1 + i % 12, 1)
            rows.append(
                contract | {"person_id": pid, "start_date": start, "planned_end": start + STAY}
            )
        db.session.execute(insert(Contract), rows)
        services.refresh(today=TODAY)
        db.session.commit()


def test_the_page_runs_the_same_statements_at_10_and_1000_contracts(app, side):
    admin, staff = app.test_client(), app.test_client()
    login(admin, create_staff(app, "admin"))
    login(staff, side.staff)
    pages = {
        "admin": (admin, PAGE, 7),
        "province": (staff, f"{PAGE}?province={side.province_id}", 7),
    }
    counts, have = {}, 3
    for total in (10, 1000):
        _more_contracts(app, side, total - have)
        have = total
        counts[total] = {k: page_statements(app, c, path) for k, (c, path, _) in pages.items()}
    assert counts[10] == counts[1000]
    for label, (_c, _p, most) in pages.items():
        assert counts[10][label] <= most, (label, counts[10][label])

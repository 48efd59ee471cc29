"""The outcome dashboard in a real browser, in both languages, on a desk and on a phone: the
funnel of each of the four provinces drawn as SVG (bars from the right in Arabic), axe and Nu
clean, nothing wider than the page."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.geo.models import Province
from portal.outcomes import services
from tests.support.accounts import create_staff
from tests.support.browser import DESK, OVERFLOWING, PHONE, staff_sign_in
from tests.support.payroll import accepted
from tests.support.statements import OCTOBER, TODAY, workforce

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def admin(app):
    """Workers in Sidi Ifni and Guelmim, a month accepted in each, counted; an admin."""
    from portal.beneficiaries.models import Contract

    for province in ("Sidi Ifni", "Guelmim"):
        side = workforce(app, province)
        with app.app_context():
            accepted(db.session.get(Contract, side.contracts["full"]), OCTOBER)
            db.session.commit()
    with app.app_context():
        services.refresh(today=TODAY)
        db.session.commit()
    return create_staff(app, "admin")


@pytest.fixture(scope="module")
def signed_in(browser, live_server, admin):
    """The admin's signed-in browser state in a language, signed in once per language."""
    states = {}

    def state(lang: str) -> dict:
        if lang not in states:
            context = browser.new_context()
            staff_sign_in(context.new_page(), live_server, admin, lang)
            states[lang] = context.storage_state()
            context.close()
        return states[lang]

    return state


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_funnel_of_the_four_provinces_on_a_desk_and_a_phone(
    app, browser, live_server, check_page, signed_in, lang
):
    with app.app_context():
        provinces = db.session.scalar(select(func.count(Province.id)))
    problems = []
    for size in (DESK, PHONE):
        context = browser.new_context(viewport=size, storage_state=signed_in(lang))
        page = context.new_page()
        page.goto(f"{live_server}/backoffice/outcomes/")
        assert page.locator("svg[id], svg[role=img]").count() >= provinces + 1
        assert page.locator("#funnel-table tbody tr").count() == provinces + 1  # and the region
        name = f"outcomes-{lang}-{size['width']}"
        problems += check_page(page, name)
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            problems.append(f"{name} scrolls sideways: {page.evaluate(OVERFLOWING)}")
        # the target's bar starts where the labels end: at the right in Arabic
        box = page.locator("svg.bars").first.bounding_box()
        bar = page.locator("svg.bars rect").first.bounding_box()
        if lang == "ar":
            assert bar["x"] + bar["width"] > box["x"] + box["width"] / 2
        else:
            assert bar["x"] < box["x"] + box["width"] / 2
        context.close()
    assert problems == []

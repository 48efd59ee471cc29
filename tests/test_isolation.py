"""Each test runs in a transaction rolled back at its end, its own commits included."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.organisations.models import Organisation
from tests.support.accounts import create_organisation, create_user

NAME = "Association written by the first test only"


def test_a_test_commits_through_requests_and_services(app, client):
    owner = create_user(app)  # committed by the helper, as a request would
    create_organisation(app, owner, name_fr=NAME)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Organisation.name_fr == NAME)) == 1


def test_the_next_test_finds_nothing_of_it(app):
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Organisation.name_fr == NAME)) == 0

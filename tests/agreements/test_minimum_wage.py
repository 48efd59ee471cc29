"""An agreement states the national minimum wage of its day, whatever its edition."""

from datetime import datetime

from portal.agreements import services
from portal.applications.models import Application
from portal.extensions import db
from tests.support.agreements import recommended_in_new_call


def test_an_edition_1_agreement_written_in_2024_states_the_2024_wage(app):
    _call_id, (application_id,), _owner = recommended_in_new_call(app, 1, jobs=5, quota=10)
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.call.edition.code == "awrach1_2022"
        content = {
            at.year: services.agreement_content(
                application, 5, "CP-T", 1, "A" * 16, at, held_on=None
            )
            for at in (datetime(2022, 10, 3, 9), datetime(2024, 6, 3, 9))
        }
    # The edition's own copy stopped at 2,970.05 (September 2022).
    assert content[2022]["minimum_wage"] == 2970.05
    assert content[2024]["minimum_wage"] == 3111.39
    assert content[2024]["pay"] == {"monthly_mad": 3111.39, "months": 6, "total": 93_341.7}

"""`flask seed-demo` gives `make run` a signed agreement with workers and last month's
statement, once however often run."""

from sqlalchemy import select

from portal import demo
from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.auth.models import User
from portal.beneficiaries.models import Certificate, Contract
from portal.extensions import db
from portal.monitoring.models import MonitoringVisit
from portal.payroll.models import MonthlyStatement


def test_seed_demo_gives_a_signed_agreement_with_workers_and_a_certificate_once(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        assert "with 3 workers, one contract ended with its certificate" in result.output
    with app.app_context():
        application = db.session.scalar(select(Application).filter_by(number=demo.DEMO_APPLICATION))
        assert application.status == "agreement_signed"
        agreements = db.session.scalars(
            select(Agreement).filter_by(application_id=application.id)
        ).all()
        assert [a.status for a in agreements] == ["signed"] and agreements[0].pdf_sha256
        contracts = db.session.scalars(
            select(Contract).filter_by(application_id=application.id).order_by(Contract.id)
        ).all()
        assert [c.status for c in contracts] == ["ended", "validated", "validated"]
        certificates = db.session.scalars(
            select(Certificate).where(Certificate.contract_id.in_([c.id for c in contracts]))
        ).all()
        assert len(certificates) == 1 and certificates[0].pdf_sha256
        assert certificates[0].contract_id == contracts[0].id
        # Last month's statement, submitted by the association's editor for its owner to certify
        (statement,) = db.session.scalars(
            select(MonthlyStatement).filter_by(application_id=application.id)
        ).all()
        assert statement.status == "submitted" and len(statement.lines) == 3
        assert db.session.get(User, statement.submitted_by_id).email == demo.EDITOR
        # A visit recorded last month, a worker fewer than the contracts (the statement flagged
        # for review), and one planned next week
        visits = db.session.scalars(
            select(MonitoringVisit)
            .filter_by(application_id=application.id)
            .order_by(MonitoringVisit.id)
        ).all()
        assert [v.status for v in visits] == ["done", "planned"]
        assert (visits[0].headcount_declared, visits[0].headcount_present) == (3, 2)
        assert statement.review_flagged_at is not None

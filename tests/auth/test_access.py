"""Who may open what: every route for anonymous, applicant and each staff role; CSRF; limits."""

import pytest

from tests.support.accounts import PASSWORD, create_staff, create_user, login, post

EVERYONE = {
    "anonymous",
    "applicant",
    "secretariat",
    "technical_committee",
    "committee_member",
    "admin",
}
SIGNED_IN = EVERYONE - {"anonymous"}
STAFF = SIGNED_IN - {"applicant"}
# Every GET route and who may open it. A new route must be added here (a write route also in
# tests/auth/test_write_access.py, which sends it with a token and a form by every role refused).
ACCESS = {
    "core.home": EVERYONE,
    "core.privacy": EVERYONE,
    "core.set_language": EVERYONE,
    "core.healthz": EVERYONE,
    "opendata.overview": EVERYONE,
    "opendata.province": EVERYONE,
    "opendata.commune": EVERYONE,
    "opendata.sector": EVERYONE,
    "opendata.schema_page": EVERYONE,
    "opendata.worksites_csv": EVERYONE,
    "opendata.worksites_json": EVERYONE,
    "static": EVERYONE,
    "auth.register": EVERYONE,
    "auth.check_email": EVERYONE,
    "auth.verify_email": EVERYONE,
    "auth.login": EVERYONE,
    "auth.two_factor": EVERYONE,
    "auth.forgot_password": EVERYONE,
    "auth.reset_password": EVERYONE,
    "auth.account": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.consent": SIGNED_IN,
    "auth.keepalive": SIGNED_IN,
    "auth.download_data": SIGNED_IN,
    "auth.close_account": SIGNED_IN,
    "auth.logout": SIGNED_IN,
    "notifications.inbox": SIGNED_IN,
    "notifications.dev_mailbox": EVERYONE,  # only while DEV_MAILBOX is on (see below)
    "backoffice.index": STAFF,
    "staff.list_staff": {"admin"},
    "staff.toggle_staff": {"admin"},
    "emails.failed": {"admin"},
    "emails.resend": {"admin"},
    # Organisations: every signed-in user reaches the route; the object decides (404 / 403,
    # see tests/organisations/test_access.py). Staff never create organisations.
    "organisations.list_organisations": SIGNED_IN,
    "organisations.create": {"applicant"},
    "organisations.profile": SIGNED_IN,
    "organisations.edit": SIGNED_IN,
    "organisations.upload_document": SIGNED_IN,
    "organisations.members": SIGNED_IN,
    "organisations.invite": SIGNED_IN,
    "organisations.remove_member": SIGNED_IN,
    "organisations.transfer_ownership": SIGNED_IN,
    "organisations.decide_join_request": SIGNED_IN,
    "organisations.join": SIGNED_IN,
    "organisations.accept_invitation": SIGNED_IN,
    "organisations.history": SIGNED_IN,
    "documents.download": SIGNED_IN,
    "documents.view": SIGNED_IN,
    "calls.list_calls": EVERYONE,
    "calls.show": EVERYONE,
    "calls_admin.list_calls": {"admin"},
    "calls_admin.edit_call": {"admin"},
    "applications.list_applications": SIGNED_IN,
    "applications.start": SIGNED_IN,
    "applications.edit_step": SIGNED_IN,
    "applications.upload_document": SIGNED_IN,
    "applications.preview": SIGNED_IN,
    "applications.submit": SIGNED_IN,
    "applications.show": SIGNED_IN,
    "applications.check": SIGNED_IN,
    "applications.withdraw": SIGNED_IN,
    "applications_staff.list_applications": STAFF,
    "applications_staff.show": STAFF,
    "review.assign": {"secretariat", "admin"},
    "review.review": {"technical_committee"},
    "applications_staff.request_changes": {"secretariat", "technical_committee"},
    "review.add_comment": STAFF,
    "review.flag": STAFF,
    "committees.list_sessions": {"committee_member", "secretariat", "admin"},
    "committees.show": {"committee_member", "secretariat", "admin"},
    "committees.decide": {"committee_member", "secretariat", "admin"},
    "committees.close": {"committee_member", "secretariat", "admin"},
    "audit.list_events": {"admin"},
    "retention.index": {"admin"},
    "retention.purge": {"admin"},
    "review.override": {"secretariat", "technical_committee", "admin"},
    "reports.dashboard": STAFF,
    "reports.request_export": STAFF,
    "reports.show_export": STAFF,
    "reports.download_export": STAFF,
    "committees.minutes": {"committee_member", "secretariat", "admin"},
    "applications.dossier": SIGNED_IN,
    "applications_staff.dossier": STAFF,
    # Agreements: members of the partner and staff of the province (the object decides, see
    # tests/agreements/test_after_issue.py); anyone checks a code.
    "agreements.download": SIGNED_IN,
    "agreements.download_signed": SIGNED_IN,
    "agreements.upload_signed": SIGNED_IN,
    "agreements.verify_form": EVERYONE,
    "agreements.verify": EVERYONE,
    "agreements_staff.show": STAFF,
    "agreements_staff.confirm_signed": {"secretariat", "admin"},
    "agreements_staff.amend": {"secretariat", "admin"},
    "agreements_staff.revoke": {"secretariat", "admin"},
    # Beneficiaries: the partner's members and the province's staff (the object decides, see
    # tests/beneficiaries/test_pages.py); validation and persons are the secretariat's.
    "beneficiaries.workers": SIGNED_IN,
    "beneficiaries.enrol": SIGNED_IN,
    "beneficiaries.end_contract": SIGNED_IN,
    "beneficiaries.replace": SIGNED_IN,
    "beneficiaries.import_workers": SIGNED_IN,
    "beneficiaries.import_template": SIGNED_IN,
    "beneficiaries.show_import": SIGNED_IN,
    "beneficiaries.keep_valid_rows": SIGNED_IN,
    # Certificates: who sees the contract downloads it (tests/beneficiaries/test_certificates.py);
    # anyone checks one by its code.
    "beneficiaries.certificate": SIGNED_IN,
    "beneficiaries.request_archive": SIGNED_IN,
    "beneficiaries.show_archive": SIGNED_IN,
    "beneficiaries.download_archive": SIGNED_IN,
    "beneficiaries.verify_certificate": EVERYONE,
    "beneficiaries_staff.contracts_to_validate": {"secretariat", "admin"},
    "beneficiaries_staff.show_contract": STAFF,
    "beneficiaries_staff.validate": {"secretariat", "admin"},
    "beneficiaries_staff.refuse": {"secretariat", "admin"},
    "beneficiaries_staff.search_persons": {"secretariat", "admin"},
    "beneficiaries_staff.show_person": {"secretariat", "admin"},
    "beneficiaries_staff.export_person": {"secretariat", "admin"},
    "beneficiaries_staff.correct": {"secretariat", "admin"},
    "payroll_staff.list_files": {"secretariat", "admin"},
    "payroll_staff.request_file": {"secretariat", "admin"},
    "payroll_staff.show_file": {"secretariat", "admin"},
    "payroll_staff.download_file": {"secretariat", "admin"},
    "payroll_staff.returns_template": {"secretariat", "admin"},
    "payroll_staff.import_returns": {"secretariat", "admin"},
    # Payroll: the ledger is every staff member's, scoped to their provinces
    # (tests/payroll/test_grant_pages.py); a month flagged for review is the secretariat's.
    "payroll_staff.ledger_page": STAFF,
    "payroll_staff.decide": {"secretariat", "admin"},
    # Monthly statements: the partner's members and the province's staff (the object decides,
    # see tests/payroll/test_statements_pages.py); accepting and returning are the secretariat's.
    "payroll.statements_list": SIGNED_IN,
    "payroll.open_statement": SIGNED_IN,
    "payroll.statement": SIGNED_IN,
    "payroll.submit": SIGNED_IN,
    "payroll.certify": SIGNED_IN,
    "payroll.correct_line": SIGNED_IN,
    "payroll_staff.statements_to_accept": {"secretariat", "admin"},
    "payroll_staff.staff_statement": STAFF,
    "payroll_staff.accept": {"secretariat", "admin"},
    "payroll_staff.return_statement": {"secretariat", "admin"},
    # Field visits: the secretariat and the technical committee of the province (the object
    # decides, see tests/monitoring/test_visits.py); planning is the secretariat's.
    "monitoring_staff.visits": {"secretariat", "technical_committee", "admin"},
    "monitoring_staff.agreement_visits": {"secretariat", "technical_committee", "admin"},
    "monitoring_staff.plan_visit": {"secretariat", "admin"},
    "monitoring_staff.visit": {"secretariat", "technical_committee", "admin"},
    "monitoring_staff.add_photos": {"secretariat", "technical_committee", "admin"},
    "monitoring_staff.close_follow_up": {"secretariat", "technical_committee", "admin"},
    "monitoring_staff.photo": {"secretariat", "technical_committee", "admin"},
    # Progress and final reports: the partner's members and the province's staff (the object
    # decides, see tests/closeout/test_pages.py); accepting, returning and closing are the
    # secretariat's.
    "closeout.reports": SIGNED_IN,
    "closeout.open_report": SIGNED_IN,
    "closeout.report": SIGNED_IN,
    "closeout.add_photo": SIGNED_IN,
    "closeout.remove_photo": SIGNED_IN,
    "closeout.photo": SIGNED_IN,
    "closeout.submit": SIGNED_IN,
    "closeout.certify": SIGNED_IN,
    "closeout_staff.reports_to_accept": {"secretariat", "admin"},
    "closeout_staff.report": STAFF,
    "closeout_staff.accept": {"secretariat", "admin"},
    "closeout_staff.return_report": {"secretariat", "admin"},
    "closeout_staff.close": {"secretariat", "admin"},
    # The outcome dashboard: every staff member's, scoped to their provinces
    # (tests/outcomes/test_pages.py); counting again at once is the secretariat's.
    "outcomes.dashboard": STAFF,
    "outcomes.request_refresh": {"secretariat", "admin"},
}
# Routes of one object: reaching the route is the rule tested here; the object's own rule
# (404 when not visible, 403 when visible but not allowed) is tested in each area.
OBJECT_ARGS = {
    "organisation_id",
    "document_id",
    "application_id",
    "agreement_id",
    "contract_id",
    "person_id",
    "import_id",
    "file_id",
    "instalment_id",
    "statement_id",
    "archive_id",
    "line_id",
    "visit_id",
    "report_id",
    "photo_id",
}
SAMPLE_ARGS = {
    "filename": "css/portal.css",
    "code": "fr",
    "token": "x",
    "user_id": 1,
    "notification_id": 1,
    "organisation_id": 1,
    "document_id": 1,
    "request_id": 1,
    "application_id": 1,
    "call_id": 1,
    "step": "worksite",
    "session_id": 1,
    "export_id": 1,
    "agreement_id": 1,
    "contract_id": 1,
    "person_id": 1,
    "import_id": 1,
    "file_id": 1,
    "instalment_id": 1,
    "statement_id": 1,
    "archive_id": 1,
    "line_id": 1,
    "visit_id": 1,
    "report_id": 1,
    "photo_id": 1,
    "language": "fr",
    "province_id": 1,
    "commune_id": 1,
    "sector": "forests",
}


@pytest.fixture(scope="module")
def clients(app):
    result = {"anonymous": app.test_client()}
    user = create_user(app)
    result["applicant"] = app.test_client()
    login(result["applicant"], user)
    for role in ("secretariat", "technical_committee", "committee_member", "admin"):
        result[role] = app.test_client()
        login(result[role], create_staff(app, role))
    return result


def test_every_route_is_in_the_access_table(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(ACCESS)


@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_each_role_opens_exactly_what_it_may(app, clients, who):
    client = clients[who]
    wrong = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("core.set_language", "auth.logout"):
            continue  # they change the session; covered by their own tests
        args = {name: SAMPLE_ARGS[name] for name in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **args)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        refused = response.status_code == 403 or (
            response.status_code == 302 and "/account/login?next=" in response.headers["Location"]
        )
        if method == "POST":
            refused = refused or response.status_code == 400  # CSRF comes first
            if who not in ACCESS[rule.endpoint] and not refused:
                wrong.append((rule.endpoint, response.status_code))
            continue
        if set(rule.arguments) & OBJECT_ARGS and who in ACCESS[rule.endpoint]:
            refused = refused and response.status_code != 403  # the object decides: 403 / 404
        if refused == (who in ACCESS[rule.endpoint]):
            wrong.append((rule.endpoint, response.status_code))
    assert wrong == []


def test_staff_without_the_second_factor_reach_nothing_of_the_back_office(app):
    staff = create_staff(app, "admin")
    client = app.test_client()
    post(client, "/account/login", {"email": staff.email, "password": PASSWORD})
    for path in ("/backoffice/", "/backoffice/staff/", "/backoffice/emails/failed"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_the_dev_mailbox_exists_only_where_it_is_switched_on(make_app):
    assert (
        make_app(DEV_MAILBOX=False).test_client().get("/notifications/dev-mailbox").status_code
        == 403
    )


def test_every_post_route_refuses_a_request_without_csrf_token(app, clients):
    posts = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    assert posts
    for rule in posts:
        args = {name: SAMPLE_ARGS[name] for name in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **args)
        for who in ("anonymous", "admin"):
            assert clients[who].post(url).status_code == 400, (rule.endpoint, who)


def test_login_rate_limit_answers_429_and_the_owner_still_signs_in_elsewhere(app, make_app):
    user = create_user(app)
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    attacker = limited.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    attacker.set_cookie("lang", "fr")
    codes = [
        post(
            attacker, "/account/login", {"email": user.email, "password": "guess number x"}
        ).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    page = post(attacker, "/account/login", {"email": user.email, "password": PASSWORD})
    assert page.status_code == 429 and "Trop de tentatives" in page.get_data(as_text=True)
    owner = limited.test_client()
    owner.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    login(owner, user)

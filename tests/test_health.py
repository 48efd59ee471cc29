"""/healthz reports the database and the broker."""


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "broker": "ok"}


def test_healthz_reports_a_broker_that_is_down(make_app):
    nobody = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app = make_app(celery={"task_always_eager": False, "broker_url": nobody})
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "broker": "unavailable"}

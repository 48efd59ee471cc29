"""The reference geography is loaded from the region's communes file, idempotently."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.geo.models import Commune, Province, Region


def test_seed_demo_loads_provinces_and_communes_and_can_run_again(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        assert "4 provinces, 53 communes" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Region.id))) == 1
        provinces = db.session.scalars(select(Province).order_by(Province.id)).all()
        assert [p.name_fr for p in provinces] == ["Guelmim", "Sidi Ifni", "Tan-Tan", "Assa-Zag"]
        assert [p.name_ar for p in provinces] == ["كلميم", "سيدي إفني", "طانطان", "أسا الزاك"]
        counts = {p.name_fr: len(p.communes) for p in provinces}
        assert counts == {"Guelmim": 20, "Sidi Ifni": 19, "Tan-Tan": 7, "Assa-Zag": 7}
        guelmim = db.session.scalar(select(Commune).filter_by(name_fr="Guelmim"))
        assert guelmim.is_urban and guelmim.population_2014 == 118318


def test_seed_demo_explains_a_missing_communes_file(make_app, tmp_path):
    result = (
        make_app(COMMUNES_CSV=str(tmp_path / "none.csv"))
        .test_cli_runner()
        .invoke(args=["seed-demo"])
    )
    assert result.exit_code != 0 and "COMMUNES_CSV" in result.output


def test_migrations_match_the_models(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_the_communes_come_with_the_project():
    from portal import config

    path = config.Config().COMMUNES_CSV
    assert path.startswith(str(config.ROOT)) and config.COMMUNES_CSV.is_file()
    assert len(config.COMMUNES_CSV.read_text(encoding="utf-8").splitlines()) == 54


def test_load_reference_loads_what_production_needs_and_no_demo(make_app):
    result = make_app(ENV_NAME="production", PUBLIC_BASE_URL="https://awrach.example.ma")
    result = result.test_cli_runner().invoke(args=["load-reference"])
    assert result.exit_code == 0, result.output
    assert "4 provinces, 53 communes" in result.output and "Demo accounts" not in result.output


def test_nothing_in_the_project_reads_outside_its_clone():
    """A user's clone has nothing beside it: nothing that runs (the portal, its tasks, scripts,
    CI, migrations, benchmarks, settings and the tests' own machinery) names a path above the
    clone. The tests that send `../` as an attack are not what runs."""
    import re
    import subprocess

    from portal.config import ROOT

    runs = re.compile(
        r"^(portal|tasks|scripts|\.ci|migrations|bench|editions|deploy|tests/support)/"
        r"|^(Makefile|wsgi\.py|pyproject\.toml|babel\.cfg|Procfile\.dev|tests/conftest\.py)$"
    )
    # a path that starts by going up (../ or ..\), or ".." given to a path join; not a script
    # going to its own folder's parent ($(dirname "$0")/..), which is the clone
    parent = re.compile(r"(^|[\s\"'=(:])\.\.[/\\]|[\"']\.\.[\"']")
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    offenders = [
        name
        for name in files
        if runs.search(name)
        and (ROOT / name).is_file()
        and parent.search((ROOT / name).read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []

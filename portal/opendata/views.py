from flask import Response, abort, current_app, render_template, request

from portal.access import public
from portal.core.integers import db_int
from portal.opendata import bp, schema, services

# A page, or a file, may be a few minutes older than the latest release.
MAX_AGE = 300
FILES = {
    "csv": ("text/csv", "awrach-worksites.csv", "attachment"),
    "json": ("application/json", "awrach-worksites.json", "inline"),
}


def _release():
    release = services.latest_release()
    if release is None:
        abort(404)
    return release


def _listing(kind: str, key, **where):
    """A province's, commune's or sector's page: its totals, then a page of its rows after
    `?after=`."""
    release = _release()
    group = services.group_of(release, f"{kind}s", key)
    if group is None:
        abort(404)
    after = request.args.get("after", type=db_int) or 0
    rows = services.worksites_page(release, after=after, **where)
    return render_template(
        "opendata/listing.html",
        release=release,
        group=group,
        rows=rows[: services.PAGE_SIZE],
        more=len(rows) > services.PAGE_SIZE,
        kind=kind,
    )


@bp.get("/results/")
@public
def overview():
    return render_template("opendata/overview.html", release=services.latest_release())


@bp.get("/results/province/<int:province_id>")
@public
def province(province_id: int):
    return _listing("province", province_id, province_id=province_id)


@bp.get("/results/commune/<int:commune_id>")
@public
def commune(commune_id: int):
    return _listing("commune", commune_id, commune_id=commune_id)


@bp.get("/results/sector/<sector>")
@public
def sector(sector: str):
    return _listing("sector", sector, sector_code=sector)


@bp.get("/open-data/")
@public
def schema_page():
    return render_template(
        "opendata/schema.html",
        release=services.latest_release(),
        fields=schema.FIELDS,
        version=schema.VERSION,
    )


def _file(kind: str) -> Response:
    """The latest release's file, with its digest and date for HTTP caches: a client that has
    it gets 304 without the file being read."""
    release = services.latest_release()
    if release is None:
        abort(404)  # nothing computed yet (a fresh install, before beat has run)
    mimetype, name, disposition = FILES[kind]
    response = Response(mimetype=mimetype)
    response.set_etag(release.csv_sha256 if kind == "csv" else release.json_sha256)
    response.last_modified = release.computed_at
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data, read from anywhere
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response.headers["Link"] = f'<{current_app.config["OPEN_DATA_LICENCE_URL"]}>; rel="license"'
    if response.make_conditional(request).status_code == 304:
        return response
    response.set_data(services.file_data(release, kind))
    return response


@bp.get("/open-data/v1/worksites.csv")
@public
def worksites_csv():
    return _file("csv")


@bp.get("/open-data/v1/worksites.json")
@public
def worksites_json():
    return _file("json")

"""Public results and open data (T-PUBLIC): what the programme created, per province and sector,
for anyone, without signing in. Partners and worksites are published, never a person, and no
count below a threshold; the figures come from a snapshot the beat task computes (a request
reads a few rows whatever the data's size), served as pages and as CSV and JSON files with a
documented schema, a licence and the date of the data."""

from flask import Blueprint

bp = Blueprint("opendata", __name__)

from portal.opendata import models, views  # noqa: E402,F401  (routes register on import)

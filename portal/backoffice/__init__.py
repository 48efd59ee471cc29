"""The back office's home: what each staff member can open."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from portal.access import staff_required
from portal.applications.reminders import overdue
from portal.extensions import db
from portal.geo.models import Province

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")


@bp.get("/")
@staff_required()
def index():
    provinces = db.session.scalars(
        select(Province).where(Province.id.in_(current_user.province_ids)).order_by(Province.id)
    ).all()
    return render_template(
        "backoffice/index.html", provinces=provinces, overdue=overdue(current_user)
    )

"""Back office: the admin manages staff accounts."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import Role, staff_required
from portal.auth import services, staff_bp
from portal.auth.models import User
from portal.extensions import db
from portal.forms import ActionForm


@staff_bp.get("/")
@staff_required(Role.ADMIN)
def list_staff():
    staff = db.session.scalars(
        select(User).options(selectinload(User.roles)).filter_by(is_staff=True).order_by(User.email)
    ).all()
    return render_template("auth/staff_list.html", staff=staff, form=ActionForm())


@staff_bp.post("/<int:user_id>/active")
@staff_required(Role.ADMIN)
def toggle_staff(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    if ActionForm().validate_on_submit():
        services.set_staff_active(user, not user.active, by=current_user)
        if user.active:
            flash(_("%(email)s can sign in again.", email=user.email), "success")
        else:
            flash(
                _("%(email)s is deactivated; its sessions are closed.", email=user.email), "success"
            )
    return redirect(url_for("staff.list_staff"))

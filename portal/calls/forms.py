"""The form on a call's page that starts an application (the applications area handles it)."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from portal.forms import REQUIRED, PortalForm


class StartForm(PortalForm):
    organisation_id = SelectField(_l("Organisation"), [REQUIRED])
    province_id = SelectField(_l("Province of the project"), [REQUIRED])

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired

from portal.forms import PortalForm


class PurgeForm(PortalForm):
    confirm = BooleanField(
        _l("I have read the list above: purge what is due now. It cannot be undone."),
        [DataRequired(message=_l("Tick the box to confirm."))],
    )

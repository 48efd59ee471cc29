"""How each audited action is named to people."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "account.registered": _l("Account created"),
    "account.verified": _l("Email address confirmed"),
    "account.password_changed": _l("Password changed"),
    "account.consent_accepted": _l("Data-protection notice accepted"),
    "account.second_factor_set": _l("Second sign-in step set up"),
    "account.closed": _l("Account closed"),
    "staff.saved": _l("Staff account saved"),
    "staff.deactivated": _l("Staff account deactivated"),
    "staff.reactivated": _l("Staff account reactivated"),
    "organisation.created": _l("Organisation created"),
    "organisation.updated": _l("Profile changed"),
    "document.uploaded": _l("Document added"),
    "membership.join_requested": _l("Request to join"),
    "membership.join_approved": _l("Request to join approved"),
    "membership.join_refused": _l("Request to join refused"),
    "membership.invited": _l("Editor invited"),
    "membership.invitation_accepted": _l("Invitation accepted"),
    "membership.removed": _l("Member removed"),
    "membership.ownership_transferred": _l("Ownership handed over"),
    "call.created": _l("Call created"),
    "call.updated": _l("Call changed"),
    "application.started": _l("Application started"),
    "application.submitted": _l("Application submitted"),
    "application.resubmitted": _l("Application submitted again"),
    "application.checked": _l("Eligibility checked"),
    "application.withdrawn": _l("Application withdrawn"),
    "application.changes_requested": _l("Changes requested"),
    "review.assigned": _l("Reviewer assigned"),
    "review.no_conflict_declared": _l("No conflict of interest declared"),
    "review.recommend": _l("Recommended"),
    "review.not_recommend": _l("Not recommended"),
    "review.commented": _l("Internal comment"),
    "review.flagged": _l("Flagged"),
    "review.unflagged": _l("Flag removed"),
    "review.rule_overridden": _l("Result of a rule changed by staff"),
    "report.export_requested": _l("Export requested"),
    "report.export_downloaded": _l("Export downloaded"),
    "committee.session_opened": _l("Committee session opened"),
    "committee.approve": _l("Approved by the committee"),
    "committee.reject": _l("Rejected by the committee"),
    "committee.defer": _l("Deferred by the committee"),
    "committee.session_closed": _l("Committee session closed"),
}


def audit_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)

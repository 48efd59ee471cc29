"""Organisations: profile, members, join requests and invitations. Every write is audited."""

import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal.access import policy
from portal.audit.services import changes, record
from portal.auth.models import User
from portal.core.scope import sees_province
from portal.documents.models import Document
from portal.extensions import db
from portal.notifications.services import Recipient, external_url, notify
from portal.organisations import identifiers
from portal.organisations.models import (
    UNIQUE_IDS,
    Invitation,
    JoinRequest,
    MemberRole,
    Membership,
    Organisation,
    RequestStatus,
)
from portal.timeutil import utcnow

JOIN_LINK_MAX_AGE = timedelta(days=1)
PROFILE_FIELDS = (
    "legal_form",
    "name_ar",
    "name_fr",
    "created_on",
    "province_id",
    "commune_id",
    "address",
    "legal_representative",
    "association_receipt_no",
    "cooperative_register_no",
    "ice",
    "rc",
    "cnss_affiliation",
    "rib",
)


class DuplicateIdentifier(Exception):
    def __init__(self, field: str, organisation: Organisation):
        super().__init__(field)
        self.field, self.organisation = field, organisation


def membership(user: User, organisation: Organisation) -> Membership | None:
    """From the organisation's members, loaded once: a page's permission checks ask it several
    times (the services keep the collection current as they add and remove members)."""
    return next((m for m in organisation.memberships if m.user_id == user.id), None)


@policy(Organisation)
def organisation_policy(user: User, action: str, organisation: Organisation) -> bool:
    member = membership(user, organisation)
    if action == "view":
        return member is not None or sees_province(user, organisation.province_id)
    if action == "edit":
        return member is not None
    if action == "manage":  # members, ownership, history
        return member is not None and member.role == MemberRole.OWNER
    if action == "join":
        return member is None and not user.is_staff
    return False


@policy(Document)
def document_policy(user: User, action: str, document: Document) -> bool:
    organisation = db.session.get(Organisation, document.organisation_id)
    return action == "view" and organisation_policy(user, "view", organisation)


def second_person_may(
    action: str,
    role: str,
    *,
    editable: bool,
    submitted: bool,
    submitted_by_id: int | None,
    user_id: int,
) -> bool:
    """The rule of what a partner reports and a second person certifies (a monthly statement,
    a progress or final report, as the Funding Service has it for monitoring reports): the
    organisation's members read it and write it while it is editable, its editors submit it,
    its owner certifies it, submitted, unless they submitted it themselves. `role` is the
    member's; an action the rule does not name is refused."""
    if action == "view":
        return True
    if action == "write":
        return editable
    if action == "submit":
        return editable and role == MemberRole.EDITOR
    if action == "certify":
        return submitted and role == MemberRole.OWNER and submitted_by_id != user_id
    return False


def organisations_of(user: User) -> list[tuple[Organisation, str]]:
    rows = db.session.execute(
        select(Organisation, Membership.role)
        .join(Membership)
        .options(joinedload(Organisation.province))
        .filter(Membership.user_id == user.id)
        .order_by(Organisation.name_fr)
    )
    return [(organisation, role) for organisation, role in rows]


def pending_requests_of(user: User) -> list[JoinRequest]:
    return db.session.scalars(
        select(JoinRequest).filter_by(user_id=user.id, status=RequestStatus.PENDING)
    ).all()


def join_token(organisation: Organisation, user: User) -> str:
    """What opens the page to ask to join `organisation`: signed for `user`, who typed one of
    its registration numbers; a bare id would show any organisation's name to anyone."""
    return _join_serializer().dumps({"o": organisation.id, "u": user.id})


def organisation_to_join(token: str, user: User) -> Organisation | None:
    try:
        data = _join_serializer().loads(token, max_age=int(JOIN_LINK_MAX_AGE.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user.id:
        return None
    return db.session.get(Organisation, data.get("o"))


def _join_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="awrach-join")


def find_duplicate(data: dict, *, exclude_id: int | None = None) -> DuplicateIdentifier | None:
    """The first unique identifier in `data` that another organisation already holds."""
    conditions = [getattr(Organisation, f) == data[f] for f in UNIQUE_IDS if data.get(f)]
    if not conditions:
        return None
    query = select(Organisation).where(or_(*conditions))
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    other = db.session.scalars(query).first()
    if other is None:
        return None
    field = next(f for f in UNIQUE_IDS if data.get(f) and getattr(other, f) == data[f])
    return DuplicateIdentifier(field, other)


def _snapshot(organisation: Organisation) -> dict:
    return {f: getattr(organisation, f) for f in PROFILE_FIELDS}


def create_organisation(data: dict, *, by: User) -> Organisation:
    """Create the organisation with `by` as its owner; DuplicateIdentifier if an id is taken."""
    duplicate = find_duplicate(data)
    if duplicate:
        raise duplicate
    organisation = Organisation(**{f: data.get(f) or None for f in PROFILE_FIELDS})
    organisation.name_ar, organisation.name_fr = data["name_ar"], data["name_fr"]
    organisation.address = data["address"]
    organisation.legal_representative = data["legal_representative"]
    db.session.add(organisation)
    db.session.flush()
    db.session.add(Membership(organisation=organisation, user_id=by.id, role=MemberRole.OWNER))
    record(
        "organisation.created",
        actor=by,
        obj=organisation,
        organisation_id=organisation.id,
        after=_snapshot(organisation),
    )
    return organisation


def update_organisation(organisation: Organisation, data: dict, *, by: User) -> None:
    duplicate = find_duplicate(data, exclude_id=organisation.id)
    if duplicate:
        raise duplicate
    before = _snapshot(organisation)
    for field in PROFILE_FIELDS:
        value = data.get(field)
        setattr(organisation, field, value if value not in ("",) else None)
    old, new = changes(before, _snapshot(organisation))
    if new:
        record(
            "organisation.updated",
            actor=by,
            obj=organisation,
            organisation_id=organisation.id,
            before=old,
            after=new,
        )


def identifier_warnings(organisation: Organisation) -> list[str]:
    """Identifiers whose check key looks wrong: worth a second look, never a refusal."""
    warnings = []
    if organisation.ice and not identifiers.ice_key_ok(organisation.ice):
        warnings.append("ice")
    if organisation.rib and not identifiers.rib_key_ok(organisation.rib):
        warnings.append("rib")
    return warnings


def owners(organisation: Organisation) -> list[User]:
    return db.session.scalars(
        select(User)
        .join(Membership)
        .filter(Membership.organisation_id == organisation.id, Membership.role == MemberRole.OWNER)
    ).all()


def members(organisation: Organisation) -> list[Membership]:
    return db.session.scalars(
        select(Membership)
        .filter_by(organisation_id=organisation.id)
        .join(User)
        .order_by(Membership.role.desc(), User.full_name)
    ).all()


def pending_join_requests(organisation: Organisation) -> list[JoinRequest]:
    return db.session.scalars(
        select(JoinRequest).filter_by(organisation_id=organisation.id, status=RequestStatus.PENDING)
    ).all()


def open_invitations(organisation: Organisation) -> list[Invitation]:
    return db.session.scalars(
        select(Invitation).filter_by(organisation_id=organisation.id, accepted_at=None)
    ).all()


def ask_to_join(organisation: Organisation, user: User, message: str) -> JoinRequest:
    """Ask the owner to let `user` in as an editor; one pending request at a time."""
    existing = db.session.scalar(
        select(JoinRequest).filter_by(
            organisation_id=organisation.id, user_id=user.id, status=RequestStatus.PENDING
        )
    )
    if existing:
        return existing
    request = JoinRequest(organisation_id=organisation.id, user_id=user.id, message=message)
    db.session.add(request)
    db.session.flush()
    [
        notify(
            owner,
            "join_request",
            f"join_request:{request.id}:{owner.id}",
            organisation=organisation,
            requester=user,
            message=message,
            link=external_url("organisations.members", organisation_id=organisation.id),
        )
        for owner in owners(organisation)
    ]
    record("membership.join_requested", actor=user, obj=request, organisation_id=organisation.id)
    return request


def decide_join_request(request: JoinRequest, *, approve: bool, by: User) -> None:
    if request.status != RequestStatus.PENDING:
        return
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    request.decided_at = utcnow()
    organisation = request.organisation
    if approve and membership(request.user, organisation) is None:
        db.session.add(
            Membership(organisation=organisation, user_id=request.user_id, role=MemberRole.EDITOR)
        )
    notify(
        request.user,
        "join_decided",
        f"join_decided:{request.id}",
        organisation=organisation,
        approved=approve,
        link=external_url("organisations.profile", organisation_id=organisation.id),
    )
    record(
        "membership.join_" + ("approved" if approve else "refused"),
        actor=by,
        obj=request,
        organisation_id=organisation.id,
        after={"user": request.user.full_name},
    )


def invite(organisation: Organisation, email: str, *, by: User) -> Invitation:
    """Email an invitation to join as an editor (the person may not have an account yet)."""
    email = email.strip().lower()
    invitation = Invitation(
        organisation_id=organisation.id,
        email=email,
        token=secrets.token_urlsafe(24),
        invited_by_id=by.id,
    )
    db.session.add(invitation)
    db.session.flush()
    user = db.session.scalar(select(User).filter_by(email=email))
    recipient = user or Recipient(email=email, locale=by.locale)
    notify(
        recipient,
        "organisation_invitation",
        f"invitation:{invitation.id}",
        organisation=organisation,
        inviter=by,
        link=external_url("organisations.accept_invitation", token=invitation.token),
        register_link=external_url("auth.register"),
    )
    record(
        "membership.invited",
        actor=by,
        obj=invitation,
        organisation_id=organisation.id,
        after={"email": email},
    )
    return invitation


def invitation_by_token(token: str) -> Invitation | None:
    return db.session.scalar(select(Invitation).filter_by(token=token, accepted_at=None))


def accept_invitation(invitation: Invitation, user: User) -> bool:
    """Join as an editor; only the invited address may accept."""
    if invitation.accepted_at is not None or invitation.email != user.email:
        return False
    invitation.accepted_at = utcnow()
    if membership(user, invitation.organisation) is None:
        db.session.add(
            Membership(
                organisation=invitation.organisation, user_id=user.id, role=MemberRole.EDITOR
            )
        )
    record(
        "membership.invitation_accepted",
        actor=user,
        obj=invitation,
        organisation_id=invitation.organisation_id,
    )
    return True


def remove_member(organisation: Organisation, member: Membership, *, by: User) -> bool:
    if member.role == MemberRole.OWNER:
        return False  # hand ownership over first
    name = member.user.full_name
    organisation.memberships.remove(member)  # deleted as an orphan
    record(
        "membership.removed",
        actor=by,
        obj=organisation,
        organisation_id=organisation.id,
        before={"user": name},
    )
    return True


def transfer_ownership(organisation: Organisation, member: Membership, *, by: User) -> None:
    """The bureau changes: `member` becomes the owner, the previous owner an editor."""
    current = membership(by, organisation)
    current.role = MemberRole.EDITOR
    member.role = MemberRole.OWNER
    notify(
        member.user,
        "ownership_transferred",
        f"ownership:{organisation.id}:{member.user_id}:{secrets.token_hex(3)}",
        organisation=organisation,
        previous=by,
        link=external_url("organisations.profile", organisation_id=organisation.id),
    )
    record(
        "membership.ownership_transferred",
        actor=by,
        obj=organisation,
        organisation_id=organisation.id,
        before={"owner": by.full_name},
        after={"owner": member.user.full_name},
    )

"""Province scope, one rule for every area: admins see every province, other staff the
provinces they hold."""

from sqlalchemy import true

from portal.access import Role


def sees_province(user, province_id: int | None) -> bool:
    """May staff member `user` see what belongs to `province_id`?"""
    return user.is_staff and (user.has_role(Role.ADMIN) or province_id in user.province_ids)


def in_provinces(user, column):
    """The same rule as a SQL condition on a province id `column`."""
    if user.has_role(Role.ADMIN):
        return true()
    return column.in_(user.province_ids or [-1])


# Who runs a province's business: its secretariat, and the admin (every province).
MANAGERS = (Role.SECRETARIAT, Role.ADMIN)


def manages_province(user, province_id: int | None) -> bool:
    """May staff member `user` act for the secretariat of `province_id`?"""
    return user.is_staff and user.has_role(*MANAGERS) and sees_province(user, province_id)

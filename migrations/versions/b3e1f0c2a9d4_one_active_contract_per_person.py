"""one active contract per person, held by the database

B1-UNIQUE-ACTIVE: no two contracts of one person that are not refused share a day, whatever
the worksite, employer, province, component or edition. PostgreSQL holds it with an exclusion
constraint over the inclusive date range (btree_gist gives the equality on person_id); SQLite
has no such constraint, and the enrolment service checks the same thing there.

Revision ID: b3e1f0c2a9d4
Revises: 4ce61c4e64f7
Create Date: 2026-12-02 07:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3e1f0c2a9d4'
down_revision = '4ce61c4e64f7'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        """
        ALTER TABLE contract ADD CONSTRAINT contract_one_active_per_person
        EXCLUDE USING gist (
            person_id WITH =,
            daterange(start_date, coalesce(actual_end, planned_end), '[]') WITH &&
        ) WHERE (status <> 'refused')
        """
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE contract DROP CONSTRAINT contract_one_active_per_person")

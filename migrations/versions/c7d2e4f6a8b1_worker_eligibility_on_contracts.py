"""worker eligibility on contracts

The target group and proof a contract is enrolled with, the person's last CNSS declaration as
the proof gives it, and the report of the edition's worker rules (with their version).

Revision ID: c7d2e4f6a8b1
Revises: 5e1c0a7d2b94
Create Date: 2026-12-02 09:05:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c7d2e4f6a8b1'
down_revision = '5e1c0a7d2b94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_group', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('proof_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('cnss_last_declared_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('eligibility', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_column('eligibility')
        batch_op.drop_column('cnss_last_declared_on')
        batch_op.drop_column('proof_date')
        batch_op.drop_column('target_group')

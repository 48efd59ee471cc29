"""end-of-worksite certificates of ended contracts

Revision ID: e9fe4820813b
Revises: d2d48e3fc477
Create Date: 2026-12-02 08:56:24.729757

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e9fe4820813b'
down_revision = 'd2d48e3fc477'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('verification_code', sa.String(length=24), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('render_enqueued_at', sa.DateTime(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('rendered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_certificate_contract_id_contract')),
    sa.ForeignKeyConstraint(['pdf_sha256'], ['blob.sha256'], name=op.f('fk_certificate_pdf_sha256_blob')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('contract_id', name=op.f('uq_certificate_contract_id')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_certificate_verification_code'))
    )


def downgrade():
    op.drop_table('certificate')

"""committee minutes as a record: members with their capacity and attendance, the session's
number and place, the vote of each decision, the quota ledger at the close

Revision ID: 5e1c0a7d2b94
Revises: b3e1f0c2a9d4
Create Date: 2026-12-02 08:00:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1c0a7d2b94'
down_revision = 'b3e1f0c2a9d4'
branch_labels = None
depends_on = None


def _foreign_keys(on):
    """SQLite's batch mode copies a table and drops the old one, which the rows referring to it
    would refuse: the checks stay off meanwhile (the copy keeps every id)."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    op.create_table('committee_session_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.String(length=200), server_default='', nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('attendance', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['committee_session.id'], name=op.f('fk_committee_session_member_session_id_committee_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_session_member'))
    )
    with op.batch_alter_table('committee_session_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_session_member_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('committee_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('place', sa.String(length=200), server_default='', nullable=False))

    with op.batch_alter_table('committee_session_province', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quota_jobs', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('committed_jobs', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('remaining_jobs', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('granted_jobs', sa.Integer(), nullable=True))

    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('votes_for', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('votes_against', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('votes_abstaining', sa.Integer(), nullable=True))

    # The names minuted so far become members, all present, the first one chairing; each
    # session is numbered among those of its committee (its call and provinces).
    connection = op.get_bind()
    sessions = connection.execute(
        sa.text('SELECT id, call_id, members_present FROM committee_session ORDER BY held_on, id')
    ).all()
    provinces = {}
    for session_id, province_id in connection.execute(
        sa.text('SELECT session_id, province_id FROM committee_session_province')
    ):
        provinces.setdefault(session_id, set()).add(province_id)
    member = sa.table(
        'committee_session_member',
        sa.column('session_id', sa.Integer), sa.column('position', sa.Integer),
        sa.column('name', sa.String), sa.column('capacity', sa.String),
        sa.column('role', sa.String), sa.column('attendance', sa.String),
    )
    numbers = {}
    for session_id, call_id, names in sessions:
        committee = (call_id, frozenset(provinces.get(session_id, ())))
        numbers[committee] = numbers.get(committee, 0) + 1
        connection.execute(
            sa.text('UPDATE committee_session SET number = :number WHERE id = :id'),
            {'number': numbers[committee], 'id': session_id},
        )
        if isinstance(names, str):
            names = json.loads(names)
        rows = [
            {'session_id': session_id, 'position': position, 'name': str(name)[:200],
             'capacity': '', 'role': 'chair' if position == 0 else 'member',
             'attendance': 'present'}
            for position, name in enumerate(names or [])
        ]
        if rows:
            connection.execute(member.insert(), rows)

    with op.batch_alter_table('committee_session', schema=None) as batch_op:
        batch_op.drop_column('members_present')
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table('committee_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('members_present', sa.JSON(), server_default='[]', nullable=False))
    connection = op.get_bind()
    names = {}
    for session_id, name in connection.execute(sa.text(
        'SELECT session_id, name FROM committee_session_member '
        "WHERE attendance = 'present' ORDER BY session_id, position"
    )):
        names.setdefault(session_id, []).append(name)
    for session_id, present in names.items():
        connection.execute(
            sa.text(
                'UPDATE committee_session SET members_present = :names WHERE id = :id'
            ).bindparams(sa.bindparam('names', type_=sa.JSON)),
            {'names': present, 'id': session_id},
        )

    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('votes_abstaining')
        batch_op.drop_column('votes_against')
        batch_op.drop_column('votes_for')

    with op.batch_alter_table('committee_session_province', schema=None) as batch_op:
        batch_op.drop_column('granted_jobs')
        batch_op.drop_column('remaining_jobs')
        batch_op.drop_column('committed_jobs')
        batch_op.drop_column('quota_jobs')

    with op.batch_alter_table('committee_session', schema=None) as batch_op:
        batch_op.drop_column('place')
        batch_op.drop_column('number')

    with op.batch_alter_table('committee_session_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_session_member_session_id'))

    op.drop_table('committee_session_member')
    _foreign_keys(True)

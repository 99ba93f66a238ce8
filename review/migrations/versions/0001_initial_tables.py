"""initial tables, as create_all made them before migrations

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:04:38.152503
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation'))
    )
    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_message_conversation_id_conversation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('reviewitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('user_message', sa.Text(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('guards', sa.String(length=200), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_reviewitem_conversation_id_conversation')),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_reviewitem_message_id_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviewitem'))
    )
    with op.batch_alter_table('reviewitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewitem_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviewitem_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviewitem_status'), ['status'], unique=False)

    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('moderator', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['reviewitem.id'], name=op.f('fk_decision_item_id_reviewitem')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision'))
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_item_id'), ['item_id'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_item_id'))

    op.drop_table('decision')
    with op.batch_alter_table('reviewitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewitem_status'))
        batch_op.drop_index(batch_op.f('ix_reviewitem_created_at'))
        batch_op.drop_index(batch_op.f('ix_reviewitem_conversation_id'))

    op.drop_table('reviewitem')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_conversation_id'))

    op.drop_table('message')
    op.drop_table('conversation')

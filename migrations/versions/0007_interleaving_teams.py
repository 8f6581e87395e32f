"""interleaving: the experiment of an interleaved search answer and the config behind each result

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("search_impressions", sa.Column("experiment", sa.String(length=80), nullable=True))
    op.add_column("search_impressions", sa.Column("teams", postgresql.ARRAY(sa.Text()), nullable=True))
    op.create_index(
        "ix_search_impressions_experiment",
        "search_impressions",
        ["experiment", "created_at"],
        postgresql_where=sa.text("experiment IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_search_impressions_experiment", table_name="search_impressions")
    op.drop_column("search_impressions", "teams")
    op.drop_column("search_impressions", "experiment")

"""search analytics: search_impressions, search_events, visitor_salts; the view_analytics permission

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

VIEW_ANALYTICS = "view_analytics"
DESCRIPTION = "see search insights (aggregates of searches, clicks and bookings)"


def upgrade() -> None:
    op.create_table(
        "search_impressions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("guest_id", sa.String(length=64), nullable=True),
        sa.Column("visitor_hash", sa.String(length=64), nullable=True),
        sa.Column("surface", sa.String(length=20), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("normalized_query", sa.Text(), nullable=False),
        sa.Column("parsed", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("relaxed", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("kinds", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("result_ids", postgresql.ARRAY(sa.UUID()), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("offset", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sort", sa.String(length=20), server_default="relevance", nullable=False),
        sa.Column("submitted", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("ranker", sa.String(length=80), nullable=False),
        sa.Column("anonymized_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("surface IN ('search', 'service', 'category')", name=op.f("ck_search_impressions_surface")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_search_impressions_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_impressions")),
    )
    op.create_index("ix_search_impressions_created_at", "search_impressions", ["created_at"])
    op.create_index(
        "ix_search_impressions_user_id",
        "search_impressions",
        ["user_id"],
        postgresql_where=sa.text("user_id IS NOT NULL"),
    )
    op.create_index(
        "ix_search_impressions_guest_id",
        "search_impressions",
        ["guest_id"],
        postgresql_where=sa.text("guest_id IS NOT NULL"),
    )
    op.create_table(
        "search_events",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("search_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("instructor_service_id", sa.UUID(), nullable=True),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("guest_id", sa.String(length=64), nullable=True),
        sa.Column("visitor_hash", sa.String(length=64), nullable=True),
        sa.Column("anonymized_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('result_click', 'slot_click', 'profile_view', 'booking')", name=op.f("ck_search_events_kind")
        ),
        sa.CheckConstraint("position IS NULL OR position >= 1", name=op.f("ck_search_events_position")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_search_events_booking_id_bookings"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_search_events_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_events")),
    )
    op.create_index("ix_search_events_search_id", "search_events", ["search_id"])
    op.create_index("ix_search_events_created_at", "search_events", ["created_at"])
    op.create_index(
        "ix_search_events_user_id", "search_events", ["user_id"], postgresql_where=sa.text("user_id IS NOT NULL")
    )
    op.create_index(
        "ix_search_events_guest_id", "search_events", ["guest_id"], postgresql_where=sa.text("guest_id IS NOT NULL")
    )
    op.create_index(
        "uq_search_events_booking_id",
        "search_events",
        ["booking_id"],
        unique=True,
        postgresql_where=sa.text("booking_id IS NOT NULL"),
    )
    op.create_table(
        "visitor_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_visitor_salts")),
    )
    # The permission and its grant to admin, as migration 0001 seeds permissions (ids are explicit there).
    op.execute(
        sa.text(
            "INSERT INTO permissions (id, name, description) "
            "SELECT COALESCE(MAX(id), 0) + 1, :name, :description FROM permissions"
        ).bindparams(name=VIEW_ANALYTICS, description=DESCRIPTION)
    )
    op.execute(
        sa.text(
            "INSERT INTO role_permissions (role, permission_id) SELECT 'admin', id FROM permissions WHERE name = :name"
        ).bindparams(name=VIEW_ANALYTICS)
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM permissions WHERE name = :name").bindparams(name=VIEW_ANALYTICS))
    op.drop_table("visitor_salts")
    op.drop_index("uq_search_events_booking_id", table_name="search_events")
    op.drop_index("ix_search_events_guest_id", table_name="search_events")
    op.drop_index("ix_search_events_user_id", table_name="search_events")
    op.drop_index("ix_search_events_created_at", table_name="search_events")
    op.drop_index("ix_search_events_search_id", table_name="search_events")
    op.drop_table("search_events")
    op.drop_index("ix_search_impressions_guest_id", table_name="search_impressions")
    op.drop_index("ix_search_impressions_user_id", table_name="search_impressions")
    op.drop_index("ix_search_impressions_created_at", table_name="search_impressions")
    op.drop_table("search_impressions")

"""reviews: one per completed lesson (1-5 stars and a text), and the permission to write them

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PERMISSION = "write_reviews"
GRANTED_TO = ("student", "admin")


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("instructor_id", sa.UUID(), nullable=False),
        sa.Column("student_id", sa.UUID(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_reviews_rating")),
        sa.CheckConstraint("char_length(text) <= 2000", name=op.f("ck_reviews_text_length")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_reviews_booking_id_bookings"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["instructor_profiles.id"],
            name=op.f("fk_reviews_instructor_id_instructor_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["users.id"], name=op.f("fk_reviews_student_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_reviews_booking_id")),
    )
    op.create_index("ix_reviews_instructor_created", "reviews", ["instructor_id", "created_at"], unique=False)
    op.create_index(op.f("ix_reviews_student_id"), "reviews", ["student_id"], unique=False)
    op.execute(
        sa.text(
            "INSERT INTO permissions (id, name, description) SELECT max(id) + 1, :n, :d FROM permissions"
        ).bindparams(n=PERMISSION, d="review one's own completed lessons")
    )
    for role in GRANTED_TO:
        op.execute(
            sa.text(
                "INSERT INTO role_permissions (role, permission_id) SELECT :r, id FROM permissions WHERE name = :n"
            ).bindparams(r=role, n=PERMISSION)
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM permissions WHERE name = :n").bindparams(n=PERMISSION))
    op.drop_index(op.f("ix_reviews_student_id"), table_name="reviews")
    op.drop_index("ix_reviews_instructor_created", table_name="reviews")
    op.drop_table("reviews")

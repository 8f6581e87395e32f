"""SQLAlchemy tables. Importing this package registers every table on Base.metadata."""

from models.analytics import SearchEvent, SearchImpression, VisitorSalt
from models.availability import AvailabilitySlot, BlackoutDate
from models.base import Base
from models.booking import Booking
from models.catalog import Category, Service, Subcategory
from models.history import SearchHistory
from models.idempotency import IdempotencyKey
from models.instructor import InstructorProfile, InstructorService
from models.jobs import ScheduledJob
from models.outbox import OutboxMessage
from models.review import Review
from models.user import PasswordResetToken, Permission, RevokedToken, RolePermission, User, UserPermission

__all__ = [
    "AvailabilitySlot",
    "BlackoutDate",
    "Base",
    "Booking",
    "Category",
    "Service",
    "Subcategory",
    "SearchHistory",
    "IdempotencyKey",
    "InstructorProfile",
    "InstructorService",
    "OutboxMessage",
    "PasswordResetToken",
    "Review",
    "Permission",
    "RevokedToken",
    "RolePermission",
    "ScheduledJob",
    "SearchEvent",
    "SearchImpression",
    "User",
    "UserPermission",
    "VisitorSalt",
]

"""Request and response bodies of reviews."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models.review import MAX_REVIEW_TEXT


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, description="1 to 5 stars")
    text: str = Field("", max_length=MAX_REVIEW_TEXT, description="what the lesson was like")


class ReviewOut(BaseModel):
    id: str
    booking_id: str
    instructor_id: str
    rating: int
    text: str
    created_at: str
    updated_at: str
    editable_until: str


class MyReviewsOut(BaseModel):
    reviews: list[ReviewOut]


class PublicReview(BaseModel):
    id: str
    rating: int
    text: str
    author: str
    service: str
    lesson_date: str
    created_at: str
    edited: bool


class PublicReviewsOut(BaseModel):
    instructor_id: str
    rating: float | None
    total: int
    histogram: dict[str, int]
    limit: int
    offset: int
    reviews: list[PublicReview]

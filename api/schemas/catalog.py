"""Shapes of /api/catalog (the browse results share the search contract, api.schemas.search)."""

from __future__ import annotations

from pydantic import BaseModel


class CatalogService(BaseModel):
    slug: str
    name: str
    default_duration: int
    age_groups: list[str]
    instructors: int


class Subcategory(BaseModel):
    slug: str
    name: str
    services: list[CatalogService]


class Category(BaseModel):
    slug: str
    name: str
    instructors: int
    subcategories: list[Subcategory]


class CategoryTreeOut(BaseModel):
    categories: list[Category]

"""Shapes of /api/privacy."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class DeleteAccountIn(BaseModel):
    """The password again: a stolen session alone cannot delete an account."""

    model_config = ConfigDict(extra="forbid")
    password: Annotated[str, Field(min_length=1, max_length=1024)]

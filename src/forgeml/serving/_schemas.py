"""Request and response bodies (pydantic), shown in the OpenAPI page at ``/docs``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "ModelInfo",
    "V1FeedbackRequest",
    "V1FeedbackResponse",
    "V1ModelList",
    "V1PredictRequest",
    "V1PredictResponse",
    "V2InferRequest",
    "V2InferResponse",
    "V2Tensor",
]


class V1PredictRequest(BaseModel):
    """KServe V1 for tabular rows: one object per row, ``column: value``."""

    instances: list[dict[str, Any]] = Field(
        ..., min_length=1, examples=[[{"age": 41, "purpose": "car", "credit_amount": 2500}]]
    )
    probabilities: bool = Field(False, description="Also return class probabilities (classifiers).")


class V1PredictResponse(BaseModel):
    predictions: list[Any]
    probabilities: list[dict[str, float]] | None = None
    model_name: str
    model_version: str
    ids: list[str] | None = Field(
        None,
        description="One prediction id per row, in row order (32 hex digits), while the server monitors "
        "(the default; absent with --no-monitor). Send them back with the true outcomes to :feedback.",
    )


class V1FeedbackRequest(BaseModel):
    """True outcomes of earlier predictions: ``outcomes[i]`` is the true target value of ``ids[i]``."""

    ids: list[str] = Field(..., min_length=1, examples=[["3f2a9c0e5b7d4e1a8c6b2d9f0e1a3b5c"]])
    outcomes: list[Any] = Field(..., min_length=1, examples=[["good"]])


class V1FeedbackResponse(BaseModel):
    """``recorded``: outcomes for ids without feedback; ``updated``: outcomes replacing earlier ones."""

    model_name: str
    recorded: int
    updated: int


class ModelInfo(BaseModel):
    name: str
    version: str
    ready: bool
    source: str
    task: str
    target: str
    classes: list[str] | None = None
    inputs: list[dict[str, str]]
    compiled: bool


class V1ModelList(BaseModel):
    models: list[ModelInfo]


class V2Tensor(BaseModel):
    """An Open Inference Protocol tensor; for forgeml each input tensor is one feature column."""

    name: str
    shape: list[int]
    datatype: str
    data: list[Any]
    parameters: dict[str, Any] | None = None


class V2InferRequest(BaseModel):
    id: str | None = None
    inputs: list[V2Tensor] = Field(..., min_length=1)
    outputs: list[dict[str, Any]] | None = None
    parameters: dict[str, Any] | None = None


class V2InferResponse(BaseModel):
    model_name: str
    model_version: str
    id: str | None = None
    outputs: list[V2Tensor]
    parameters: dict[str, Any] | None = Field(
        None, description='{"ids": [one prediction id per row]} while the server monitors (see V1 predict).'
    )

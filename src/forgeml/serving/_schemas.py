"""Request and response bodies (pydantic), shown in the OpenAPI page at ``/docs``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "ModelInfo",
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

"""JSON round trip for the pipeline's frozen dataclasses.

``to_jsonable`` turns nested dataclasses, tuples and NumPy arrays into plain
JSON values (NaN becomes ``null``); ``from_jsonable`` rebuilds a dataclass from
its type hints, so a stored ``AnalysisResult`` loads back into the same types.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

# Arrays whose elements are not float.
_INT_ARRAYS = {"frame_index"}
_BOOL_ARRAYS = {"valid"}


def to_jsonable(obj: Any) -> Any:
    """Plain JSON value of ``obj``; floats are rounded to 4 decimals."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if not math.isfinite(f) else round(f, 4)
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    return json.dumps(to_jsonable(obj), allow_nan=False, **kwargs)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _array(name: str, value: Any) -> np.ndarray:
    if name in _INT_ARRAYS:
        return np.asarray(value, dtype=np.int64)
    if name in _BOOL_ARRAYS:
        return np.asarray(value, dtype=bool)
    arr = np.asarray([np.nan if v is None else v for v in _flatten_none(value)], dtype=float)
    return arr.reshape(_shape(value)) if arr.size else np.asarray(value, dtype=float)


def _flatten_none(value: Any) -> list[Any]:
    if isinstance(value, list):
        out: list[Any] = []
        for v in value:
            out.extend(_flatten_none(v))
        return out
    return [value]


def _shape(value: Any) -> tuple[int, ...]:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


def _build(tp: Any, value: Any, name: str = "") -> Any:
    if value is None:  # JSON has no NaN: a plain float written as null was not finite
        return float("nan") if tp is float else None
    origin = typing.get_origin(tp)
    if tp is np.ndarray:
        return _array(name, value)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(members[0], value, name) if len(members) == 1 else value
    if origin is tuple:
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        return tuple(_build(inner, v, name) for v in value)
    if origin is dict:
        return dict(value)
    if origin is typing.Literal:
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):  # a hint is a class, never an instance
        return from_jsonable(tp, value)
    if tp is float:
        return float(value)
    if tp is int:
        return int(value)
    return value


def from_jsonable(cls: type[T], data: dict[str, Any]) -> T:
    """Rebuild ``cls`` from ``to_jsonable`` output; unknown keys are ignored."""
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _build(hints[f.name], data[f.name], f.name)
    return cls(**kwargs)


def save(obj: Any, path: str | Path) -> None:
    Path(path).write_text(dumps(obj))


def load(cls: type[T], path: str | Path) -> T:
    return from_jsonable(cls, json.loads(Path(path).read_text()))

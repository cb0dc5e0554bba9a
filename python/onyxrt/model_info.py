"""NodeArg and ModelMetadata: what get_inputs()/get_outputs() and get_modelmeta() return."""

from __future__ import annotations

from typing import Any, Union

Dim = Union[int, str, None]


class NodeArg:
    """A graph input or output: name, declared shape (ints, symbolic names, None for unknown;
    [] when the rank is unknown) and type ("tensor(float)", "seq(tensor(int64))", ...)."""

    __slots__ = ("_name", "_shape", "_type")

    def __init__(self, name: str, type: str, shape: list[Dim]):
        self._name = name
        self._type = type
        self._shape = list(shape)

    @property
    def name(self) -> str:
        return self._name

    @property
    def type(self) -> str:
        return self._type

    @property
    def shape(self) -> list[Dim]:
        return list(self._shape)  # a copy: callers often edit it to build feeds

    def __str__(self) -> str:
        return f"NodeArg(name={self._name!r}, type={self._type!r}, shape={self._shape!r})"

    __repr__ = __str__


class ModelMetadata:
    """The model's metadata fields, as onnxruntime.ModelMetadata exposes them."""

    __slots__ = (
        "custom_metadata_map",
        "description",
        "domain",
        "graph_description",
        "graph_name",
        "producer_name",
        "version",
    )

    def __init__(self, fields: dict[str, Any]):
        self.producer_name: str = fields["producer_name"]
        self.graph_name: str = fields["graph_name"]
        self.domain: str = fields["domain"]
        self.description: str = fields["description"]
        self.graph_description: str = fields["graph_description"]
        self.version: int = fields["version"]
        self.custom_metadata_map: dict[str, str] = dict(fields["custom_metadata_map"])

    def __repr__(self) -> str:
        return (f"ModelMetadata(producer_name={self.producer_name!r}, graph_name={self.graph_name!r}, "
                f"domain={self.domain!r}, version={self.version})")

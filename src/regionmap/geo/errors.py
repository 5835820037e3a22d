"""The one exception the boundary build raises for bad input."""

from __future__ import annotations


class BoundaryError(ValueError):
    """A boundary source that cannot be used, with what is wrong and where.

    Parameters
    ----------
    message : str
        What is wrong, in plain words, with what to do about it when that helps.
    source : str, optional
        The file or URL (and the member inside a zip) the problem is in.
    feature : int, optional
        Index of the feature (0-based, in file order) the problem is in.
    prop : str, optional
        The property (attribute) the problem is in, e.g. ``"N03_007"``.

    Examples
    --------
    >>> str(BoundaryError("code is missing", source="a.geojson", feature=3, prop="N03_007"))
    'a.geojson, feature #3, property N03_007: code is missing'
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        feature: int | None = None,
        prop: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.feature = feature
        self.prop = prop
        super().__init__(self._text())

    def _text(self) -> str:
        where = []
        if self.source:
            where.append(str(self.source))
        if self.feature is not None:
            where.append(f"feature #{self.feature}")
        if self.prop:
            where.append(f"property {self.prop}")
        return (", ".join(where) + ": " if where else "") + self.message

"""File-based routing: the scripts folder is the URL space."""

from hoody_exec.routing.live import LiveRoutes
from hoody_exec.routing.table import (
    EXTENSIONS,
    RESERVED_PREFIX,
    Route,
    RouteMatch,
    RouteMiss,
    RouteTable,
    Segment,
    build_route_table,
    route_for_file,
)

__all__ = [
    "EXTENSIONS",
    "RESERVED_PREFIX",
    "LiveRoutes",
    "Route",
    "RouteMatch",
    "RouteMiss",
    "RouteTable",
    "Segment",
    "build_route_table",
    "route_for_file",
]

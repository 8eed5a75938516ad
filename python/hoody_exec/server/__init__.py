"""The HTTP side: the ASGI app Granian serves."""

from hoody_exec.server.app import HoodyApp

__all__ = ["HoodyApp"]

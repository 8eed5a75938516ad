"""The management API under `/api/v1/exec/` (SPEC §7): plain ASGI, pydantic models.

`ManagementApi` (in `app`) is mounted by `server.factory` through
`HoodyApp(management=...)`. The route table `app.OPERATIONS` is the single source
of truth: the router dispatches on it and `openapi.build_document` describes it.
Submodules are imported explicitly, e.g. `from hoody_exec.api.app import ManagementApi`.
"""

"""scripts/list names every reason a script will not load: syntax errors as well
as magic-comment problems."""

from __future__ import annotations

from api.conftest import ok
from hoody_exec.api.models import ScriptList


def test_list_reports_syntax_errors_and_magic_comment_problems(api, api_server):
    api_server.write("listing/syntax.ts", "// @mode worker\nconst a = ;\nreturn a;\n")
    api_server.write("listing/magic.ts", "// @mode turbo\nreturn 1;\n")
    api_server.write("listing/fine.ts", "return 1;\n")
    listed = ok(api.get("/scripts/list", params={"under": "listing"}), ScriptList)
    by_path = {s.path: s for s in listed.scripts}
    (syntax,) = by_path["listing/syntax.ts"].problems
    assert syntax.startswith("line 2:11: syntax: ")
    assert by_path["listing/syntax.ts"].mode == "worker"
    (magic,) = by_path["listing/magic.ts"].problems
    assert magic.startswith("line 1: @mode turbo")
    assert by_path["listing/fine.ts"].problems == []

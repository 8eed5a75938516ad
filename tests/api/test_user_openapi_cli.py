"""`hoody-exec openapi` prints the documents the server answers: user-openapi/spec
for a scripts folder, openapi.json with `--management`."""

from __future__ import annotations

import json

from integration.conftest import run_cli


def test_cli_openapi_prints_what_the_server_answers(api, api_server):
    served = api.get("/user-openapi/spec")
    assert served.status_code == 200, served.text
    printed = run_cli("openapi", str(api_server.root), "--env", "HOOK_TOKEN")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == served.json()


def test_cli_openapi_management_is_the_served_document(api):
    served = api.get("/openapi.json")
    assert served.status_code == 200, served.text
    printed = run_cli("openapi", "--management")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == served.json()

"""Hot reload: a saved file applies on the next request, code and comments alike."""

import shutil
import time

import httpx
import pytest

from .conftest import start_server


def test_code_change_applies_on_next_request(server, client):
    server.write("reload/code.ts", "return 'v1';\n")
    assert server.get_when_routable("/reload/code").text == "v1"
    server.write("reload/code.ts", "return 'v2';\n")
    assert client.get("/reload/code").text == "v2"


def test_comment_change_applies_on_next_request(server, client):
    server.write("reload/comments.ts", "return 'open';\n")
    assert server.get_when_routable("/reload/comments").text == "open"
    server.write("reload/comments.ts", "// @token reload-secret\nreturn 'open';\n")
    assert client.get("/reload/comments").status_code == 401
    assert client.get("/reload/comments?token=reload-secret").text == "open"


def test_helper_change_applies(server, client):
    server.write("reload/_lib/v.ts", "export const v = 'one';\n")
    server.write("reload/helper.ts", "import { v } from './_lib/v.ts';\nreturn v;\n")
    assert server.get_when_routable("/reload/helper").text == "one"
    server.write("reload/_lib/v.ts", "export const v = 'two';\n")
    assert client.get("/reload/helper").text == "two"


def test_worker_isolate_rebuilt_on_change(server, client):
    server.write(
        "reload/worker.ts",
        "// @mode worker\nshared.n = (shared.n ?? 0) + 1;\nreturn 'a' + shared.n;\n",
    )
    assert server.get_when_routable("/reload/worker").text == "a1"
    assert client.get("/reload/worker").text == "a2"
    server.write(
        "reload/worker.ts",
        "// @mode worker\nshared.n = (shared.n ?? 0) + 1;\nreturn 'b' + shared.n;\n",
    )
    assert client.get("/reload/worker").text == "b1"


def test_saving_unchanged_content_keeps_worker_state(server, client):
    source = "// @mode worker\nshared.n = (shared.n ?? 0) + 1;\nreturn 'n' + shared.n;\n"
    server.write("reload/keep.ts", source)
    assert server.get_when_routable("/reload/keep").text == "n1"
    server.write("reload/keep.ts", source)  # saved again, same program
    time.sleep(0.5)  # let the watcher's event arrive: it must not reset the state
    assert client.get("/reload/keep").text == "n2"


def test_new_and_deleted_files(server, client):
    server.write("reload/fresh.ts", "return 'new';\n")
    assert server.get_when_routable("/reload/fresh").text == "new"
    (server.root / "reload" / "fresh.ts").unlink()
    assert client.get("/reload/fresh").status_code == 404


@pytest.mark.slow
def test_every_worker_process_reloads(tmp_path):
    root = tmp_path / "scripts"
    root.mkdir()
    (root / "v.ts").write_text("return 'v1';\n")
    srv = start_server(root, tmp_path / "log.txt", "--workers", "2")
    try:
        assert {srv.client.get("/v").text for _ in range(10)} == {"v1"}
        srv.write("v.ts", "return 'v2';\n")
        # New connections land on either process; all must answer v2.
        for _ in range(10):
            with httpx.Client(base_url=srv.url) as fresh:
                assert fresh.get("/v").text == "v2"
    finally:
        srv.stop()
        shutil.rmtree(root, ignore_errors=True)

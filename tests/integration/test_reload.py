"""Hot reload: a saved file applies once the watcher's event arrives (tens of
milliseconds), code and comments alike; requests themselves touch no file. With
--no-reload nothing of the folder is followed."""

import shutil
import time

import httpx
import pytest

from .conftest import start_server


def test_code_change_applies_on_next_request(server, client):
    server.write("reload/code.ts", "return 'v1';\n")
    assert server.get_when_routable("/reload/code").text == "v1"
    server.write("reload/code.ts", "return 'v2';\n")
    assert server.get_until("/reload/code", lambda r: r.text != "v1").text == "v2"


def test_comment_change_applies_on_next_request(server, client):
    server.write("reload/comments.ts", "return 'open';\n")
    assert server.get_when_routable("/reload/comments").text == "open"
    server.write("reload/comments.ts", "// @token reload-secret\nreturn 'open';\n")
    assert server.get_until("/reload/comments", lambda r: r.status_code != 200).status_code == 401
    assert client.get("/reload/comments?token=reload-secret").text == "open"


def test_helper_change_applies(server, client):
    server.write("reload/_lib/v.ts", "export const v = 'one';\n")
    server.write("reload/helper.ts", "import { v } from './_lib/v.ts';\nreturn v;\n")
    assert server.get_when_routable("/reload/helper").text == "one"
    server.write("reload/_lib/v.ts", "export const v = 'two';\n")
    assert server.get_until("/reload/helper", lambda r: r.text != "one").text == "two"


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
    assert server.get_until("/reload/worker", lambda r: r.text.startswith("b")).text == "b1"


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
    assert server.get_until("/reload/fresh", lambda r: r.status_code != 200).status_code == 404


@pytest.mark.slow
def test_every_worker_process_reloads(tmp_path):
    root = tmp_path / "scripts"
    root.mkdir()
    (root / "v.ts").write_text("return 'v1';\n")
    srv = start_server(root, tmp_path / "log.txt", "--workers", "2")
    try:
        assert {srv.client.get("/v").text for _ in range(10)} == {"v1"}
        srv.write("v.ts", "return 'v2';\n")
        time.sleep(0.5)  # both processes' watchers see the save
        # New connections land on either process; all must answer v2.
        for _ in range(10):
            with httpx.Client(base_url=srv.url) as fresh:
                assert fresh.get("/v").text == "v2"
    finally:
        srv.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_no_reload_follows_no_change(tmp_path):
    """--no-reload: an edit, a deleted file and a new file are not picked up."""
    root = tmp_path / "scripts"
    root.mkdir()
    (root / "edit.ts").write_text("return 'v1';\n")
    (root / "gone.ts").write_text("return 'here';\n")
    srv = start_server(root, tmp_path / "log.txt", "--no-reload")
    try:
        assert srv.client.get("/edit").text == "v1"
        assert srv.client.get("/gone").text == "here"
        srv.write("edit.ts", "return 'v2';\n")
        srv.write("new.ts", "return 'new';\n")
        (root / "gone.ts").unlink()
        time.sleep(0.5)  # longer than a watcher's delay and the miss-rescan interval
        for _ in range(3):
            assert srv.client.get("/edit").text == "v1"
            assert srv.client.get("/new").status_code == 404
            assert srv.client.get("/gone").text == "here"
            time.sleep(0.3)
    finally:
        srv.stop()

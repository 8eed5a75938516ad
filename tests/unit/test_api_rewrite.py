"""magic-comments update: only the leading block changes (api/magic.py `rewrite`)."""

from __future__ import annotations

import pytest

from hoody_exec.api.errors import ApiError
from hoody_exec.api.magic import block_range, rewrite

CODE = "const x = `// @mode worker`;\n/* @cors * */\nreturn x;\n"


@pytest.mark.parametrize(
    ("source", "changes", "expected"),
    [
        ("return 1", {"mode": "worker"}, "// @mode worker\nreturn 1"),
        ("// @cors *\n" + CODE, {"cors": "reflective"}, "// @cors reflective\n" + CODE),
        ("// @cors *\n" + CODE, {"cors": None}, CODE),
        ("/// @cors *\n" + CODE, {"cors": "none"}, "/// @cors none\n" + CODE),
        (
            "// @cors *\n// prose\n" + CODE,
            {"mode": "worker", "timeout": 5},
            "// @mode worker\n// @cors *\n// @timeout 5\n// prose\n" + CODE,
        ),
        (
            "#!/usr/bin/env hoody\n" + CODE,
            {"mode": "serverless"},
            "#!/usr/bin/env hoody\n// @mode serverless\n" + CODE,
        ),
        ("/* @mode worker */\n" + CODE, {"mode": "serverless"}, "/* @mode serverless */\n" + CODE),
        ("/* @mode worker */\n" + CODE, {"mode": None}, CODE),
        (
            "/**\n * @mode worker\n * @cors *\n */\n" + CODE,
            {"cors": None, "ai": True},
            "/**\n * @mode worker\n */\n// @ai true\n" + CODE,
        ),
        (
            "// @mode worker\r\nreturn 1\r\n",
            {"cors": "*"},
            "// @mode worker\r\n// @cors *\r\nreturn 1\r\n",
        ),
        ("// @mode worker", {"cors": "*"}, "// @mode worker\n// @cors *\n"),
        ("// @websocket\n" + CODE, {"websocket": False}, "// @websocket false\n" + CODE),
        (
            "// @cors *\n// @cors none\n" + CODE,
            {"cors": "reflective"},
            "// @cors reflective\n" + CODE,
        ),
    ],
)
def test_rewrite(source, changes, expected):
    assert rewrite(source, changes) == expected


def test_rewrite_never_touches_code_after_the_block():
    source = "// @mode worker\nconst a = 1; // @cors *\n// @timeout 5\n"
    assert rewrite(source, {"cors": "reflective", "timeout": None}) == (
        "// @mode worker\n// @cors reflective\nconst a = 1; // @cors *\n// @timeout 5\n"
    )


def test_rewrite_refuses_unknown_names_and_multiline_values():
    with pytest.raises(ApiError) as unknown:
        rewrite("return 1", {"colour": "red"})
    assert unknown.value.status == 422
    with pytest.raises(ApiError):
        rewrite("return 1", {"cors": "a\nb"})
    with pytest.raises(ApiError):
        rewrite("return 1", {"cors": "*/ evil"})


def test_block_range():
    assert block_range("return 1").start_line is None
    found = block_range("\n// @mode worker\n/*\n @cors *\n*/\nreturn 1")
    assert (found.start_line, found.end_line) == (2, 5)

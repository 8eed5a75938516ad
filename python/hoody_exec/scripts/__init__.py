"""Scripts as files: their magic comments and the allowed environment."""

from hoody_exec.scripts.env import load_allowed_env
from hoody_exec.scripts.magic import (
    MagicComment,
    MagicCommentError,
    MagicCommentProblem,
    MagicComments,
    Schedule,
    parse_magic_comments,
    scan_leading_comments,
)
from hoody_exec.scripts.magic_schema import MAGIC_COMMENTS, CommentSpec, magic_comment_schema

__all__ = [
    "MAGIC_COMMENTS",
    "CommentSpec",
    "MagicComment",
    "MagicCommentError",
    "MagicCommentProblem",
    "MagicComments",
    "Schedule",
    "load_allowed_env",
    "magic_comment_schema",
    "parse_magic_comments",
    "scan_leading_comments",
]

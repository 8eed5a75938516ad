"""Server shutdown closes every socket with 1001 before Granian drops them.

NOTE: Granian's worker turns SIGINT/SIGTERM into its stop event with
`loop.add_signal_handler`, then drops open WebSockets without a close frame and
only afterwards runs the lifespan shutdown: too late for a 1001. So the app puts
its own handler in front of Granian's (asyncio keeps them in the loop's
`_signal_handlers`) and hands over once the sockets said goodbye.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from hoody_exec.server.websockets.hub import SocketHub

REASON = "the server is shutting down"


def close_sockets_first(hub: SocketHub) -> None:
    loop = asyncio.get_running_loop()
    handlers: dict[int, Any] = getattr(loop, "_signal_handlers", {})
    for sig in (signal.SIGINT, signal.SIGTERM):
        original = handlers.get(sig)
        if original is None:
            continue

        def on_signal(original: Any = original) -> None:
            def hand_over(_: object = None) -> None:
                original._callback(*original._args)

            if not hub.by_id:
                hand_over()
                return
            loop.create_task(hub.shutdown(REASON)).add_done_callback(hand_over)

        loop.add_signal_handler(sig, on_signal)

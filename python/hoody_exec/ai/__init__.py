"""`@ai true` (docs/ai.md): the pre-bundled AI SDK (sdk.py) and the helpers built
from it inside the isolate (js/helpers.js). The gateway's key and the usage count
live on the host side of fetch (webapi/gateway.py, webapi/gateway_usage.py)."""

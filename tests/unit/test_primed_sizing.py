"""What a primed pool loads ahead of the request, and how its rate estimate moves."""

from __future__ import annotations

import math

from hoody_exec.runtime.primed import RATE_HALF_LIFE_S, _Rate, families_to_load


def test_families_named_by_the_bundle_are_loaded_while_priming():
    code = "const u = new URL(x); obj.Response = 1; var log = __hoody_ctx.log;"
    assert families_to_load(code) == ["URL"]
    assert families_to_load("var request = __hoody_ctx.request;") == ["Request"]
    assert "Request" in families_to_load('exports.__hoody_style = "module";')
    assert families_to_load("return { message: 'hi' }") == []


def test_rate_counts_recent_requests_and_decays_by_half_life():
    rate = _Rate(at=0.0)
    for _ in range(10):
        rate.hit(0.0)
    expected = 10 * math.log(2) / RATE_HALF_LIFE_S
    assert math.isclose(rate.now(0.0), expected)
    assert math.isclose(rate.now(RATE_HALF_LIFE_S), expected / 2)

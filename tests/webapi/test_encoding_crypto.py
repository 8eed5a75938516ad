# ruff: noqa: E501  (JavaScript sources embedded in strings)
"""TextEncoder/TextDecoder (Encoding Standard), base64, crypto (FIPS 180, RFC 4231)."""

from __future__ import annotations

import pytest


async def test_utf8_round_trip_and_encode_into(env):
    result = await env.js(
        r"""const s = "aé€😀\uD800z"; const b = new TextEncoder().encode(s);
        const dst = new Uint8Array(5); const r = new TextEncoder().encodeInto("a€😀", dst);
        JSON.stringify([Array.from(b), new TextDecoder().decode(b), r, Array.from(dst)])"""
    )
    assert result[0] == [
        0x61, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xEF, 0xBF, 0xBD, 0x7A,
    ]  # fmt: skip
    assert result[1] == "aé€😀\ufffdz"
    assert result[2] == {"read": 2, "written": 4}  # the 4-byte emoji does not fit
    assert result[3] == [0x61, 0xE2, 0x82, 0xAC, 0]


@pytest.mark.parametrize(
    ("bytes_", "expected"),
    [
        ([0xC3], "\ufffd"),  # truncated sequence
        ([0x80], "\ufffd"),  # lone continuation byte
        ([0xC0, 0xAF], "\ufffd\ufffd"),  # overlong
        ([0xED, 0xA0, 0x80], "\ufffd\ufffd\ufffd"),  # surrogate
        ([0xF4, 0x90, 0x80, 0x80], "\ufffd\ufffd\ufffd\ufffd"),  # above U+10FFFF
        ([0xE2, 0x82, 0x41], "\ufffdA"),  # maximal subpart then ASCII
        ([0xF0, 0x9F, 0x98], "\ufffd"),
        ([0xFF, 0x41], "\ufffdA"),
    ],
)
async def test_utf8_invalid_sequences(env, bytes_, expected):
    result = await env.js(
        f"""const b = new Uint8Array({bytes_}); let fatal;
        try {{ new TextDecoder("utf-8", {{fatal: true}}).decode(b); fatal = "no"; }}
        catch (e) {{ fatal = e.name; }}
        JSON.stringify([new TextDecoder().decode(b), fatal])"""
    )
    assert result == [expected, "TypeError"]


async def test_bom_and_streaming(env):
    result = await env.js(
        r"""const bom = new Uint8Array([0xEF, 0xBB, 0xBF, 0x68, 0x69]);
        const d = new TextDecoder(); const parts = [];
        for (const byte of [0xF0, 0x9F, 0x98, 0x80]) parts.push(d.decode(new Uint8Array([byte]), {stream: true}));
        parts.push(d.decode());
        const tail = new TextDecoder(); const t1 = tail.decode(new Uint8Array([0xE2, 0x82]), {stream: true});
        const t2 = tail.decode();
        let bad; try { new TextDecoder("nope"); } catch (e) { bad = e.name; }
        JSON.stringify([new TextDecoder().decode(bom), new TextDecoder("utf-8", {ignoreBOM: true}).decode(bom),
          parts, t1, t2, new TextDecoder(" UTF8 ").encoding, new TextDecoder("latin1").decode(new Uint8Array([0x80, 0xE9])),
          new TextDecoder("utf-16le").decode(new Uint8Array([0x3D, 0xD8, 0x00, 0xDE])), bad])"""
    )
    assert result == [
        "hi", "\ufeffhi", ["", "", "", "😀", ""], "", "\ufffd", "utf-8", "€é", "😀", "RangeError",
    ]  # fmt: skip


async def test_atob_btoa(env):
    result = await env.js(
        r"""let e1, e2; try { btoa("€"); } catch (e) { e1 = e.name; } try { atob("a"); } catch (e) { e2 = e.name; }
        JSON.stringify([btoa(""), btoa("f"), btoa("fo"), btoa("foo"), btoa("\xff\xfe"), atob("Zm9v"),
          atob(" Zm 9v\n"), atob("Zg"), atob("Zg=="), e1, e2])"""
    )
    assert result == [
        "", "Zg==", "Zm8=", "Zm9v", "//4=", "foo", "foo", "f", "f",
        "InvalidCharacterError", "InvalidCharacterError",
    ]  # fmt: skip


SHA = {
    "SHA-1": "a9993e364706816aba3e25717850c26c9cd0d89d",
    "SHA-256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "SHA-384": "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
    "8086072ba1e7cc2358baeca134c825a7",
    "SHA-512": "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
}


async def test_digest_fips_180_abc(env):
    result = await env.js_async(
        """const hex = (b) => Array.from(new Uint8Array(b), x => x.toString(16).padStart(2, "0")).join("");
        const out = {};
        for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) {
          out[alg] = hex(await crypto.subtle.digest(alg, new TextEncoder().encode("abc")));
        }
        out.empty = hex(await crypto.subtle.digest({name: "sha-256"}, new Uint8Array(0)));
        try { await crypto.subtle.digest("MD5", new Uint8Array(1)); } catch (e) { out.md5 = e.name; }
        return out;"""
    )
    assert {k: result[k] for k in SHA} == SHA
    assert result["empty"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert result["md5"] == "NotSupportedError"


async def test_hmac_rfc4231(env):
    # RFC 4231 test cases 1 and 2 (SHA-256 and SHA-512)
    result = await env.js_async(
        """const hex = (b) => Array.from(new Uint8Array(b), x => x.toString(16).padStart(2, "0")).join("");
        const enc = (s) => new TextEncoder().encode(s);
        const out = [];
        const key1 = new Uint8Array(20).fill(0x0b);
        for (const [key, data] of [[key1, enc("Hi There")], [enc("Jefe"), enc("what do ya want for nothing?")]]) {
          for (const hash of ["SHA-256", "SHA-512"]) {
            const k = await crypto.subtle.importKey("raw", key, {name: "HMAC", hash}, true, ["sign", "verify"]);
            const sig = await crypto.subtle.sign("HMAC", k, data);
            out.push(hex(sig), await crypto.subtle.verify("HMAC", k, sig, data),
                     await crypto.subtle.verify({name: "HMAC"}, k, new Uint8Array(sig.byteLength), data));
          }
        }
        const k = await crypto.subtle.importKey("raw", enc("Jefe"), {name: "HMAC", hash: "SHA-256"}, true, ["sign"]);
        const jwk = await crypto.subtle.exportKey("jwk", k);
        const k2 = await crypto.subtle.importKey("jwk", jwk, {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
        const raw = new Uint8Array(await crypto.subtle.exportKey("raw", k));
        let notExtractable; try { await crypto.subtle.exportKey("raw", k2); } catch (e) { notExtractable = e.name; }
        let usage; try { await crypto.subtle.verify("HMAC", k2, new Uint8Array(32), enc("x")); } catch (e) { usage = e.name; }
        out.push(jwk, Array.from(raw), k2.algorithm, k2.type, k2.extractable, k2.usages, notExtractable, usage,
          hex(await crypto.subtle.sign("HMAC", k2, enc("what do ya want for nothing?"))));
        return out;"""
    )
    assert result[0:3] == [
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", True, False,
    ]  # fmt: skip
    assert result[3] == (
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
        "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
    )
    assert result[6] == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert result[9] == (
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    )
    jwk, raw, alg, typ, extractable, usages, not_extractable, usage, sig = result[12:]
    assert jwk == {"kty": "oct", "k": "SmVmZQ", "alg": "HS256", "key_ops": ["sign"], "ext": True}
    assert raw == list(b"Jefe")
    assert alg == {"name": "HMAC", "length": 32, "hash": {"name": "SHA-256"}}
    assert (typ, extractable, usages) == ("secret", False, ["sign"])
    assert (not_extractable, usage) == ("InvalidAccessError", "InvalidAccessError")
    assert sig == result[6]


async def test_random_values_and_uuid(env):
    result = await env.js(
        r"""const a = crypto.getRandomValues(new Uint8Array(64)); const b = crypto.getRandomValues(new Uint32Array(16));
        const uuids = Array.from({length: 100}, () => crypto.randomUUID());
        let quota, type; try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { quota = e.name; }
        try { crypto.getRandomValues(new Float32Array(4)); } catch (e) { type = e.name; }
        JSON.stringify([a.some(x => x !== 0), b.some(x => x !== 0), new Set(uuids).size,
          uuids.every(u => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)),
          quota, type, crypto.getRandomValues(new Uint8Array(65536)).length])"""
    )
    assert result == [True, True, 100, True, "QuotaExceededError", "TypeMismatchError", 65536]


async def test_digest_of_inputs_larger_than_the_host_mailbox(env):
    # the mailbox is 256 KiB: a 1 MB input arrives in chunks (the algorithm name
    # with the first), and the digest covers all of them
    result = await env.js_async(
        """const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
        const big = new TextEncoder().encode("a".repeat(1000000));
        const key = await crypto.subtle.importKey("raw", new Uint8Array(300000), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
        return [hex(await crypto.subtle.digest("SHA-256", big)), hex(await crypto.subtle.sign("HMAC", key, big))];"""
    )
    assert result == [
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        # Python: hmac.new(bytes(300000), b"a" * 1000000, hashlib.sha256).hexdigest()
        "62b30c8f74f49bfdf4eb7e08741bb2b59c53bfacda2fa5ac8926b08896fddc12",
    ]

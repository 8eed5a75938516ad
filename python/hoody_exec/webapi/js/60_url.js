// URL and URLSearchParams per the WHATWG URL Standard (basic URL parser, host
// parsing incl. IPv4 number forms, IPv6 compression, opaque hosts,
// UTS #46 ToASCII through the host).
(function () {
  "use strict";
  const W = globalThis.__hoody._w;
  const utf8Encode = W.utf8Encode;

  // ------------------------------------------------------------------ percent-encoding
  const HEX = "0123456789ABCDEF";
  const C0 = (c) => c < 0x20 || c > 0x7e;
  const FRAGMENT = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60;
  const QUERY = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3c || c === 0x3e;
  const SPECIAL_QUERY = (c) => QUERY(c) || c === 0x27;
  const PATH = (c) => QUERY(c) || c === 0x3f || c === 0x60 || c === 0x7b || c === 0x7d;
  const USERINFO = (c) => PATH(c) || c === 0x2f || c === 0x3a || c === 0x3b || c === 0x3d || c === 0x40 ||
    (c >= 0x5b && c <= 0x5e) || c === 0x7c;
  const COMPONENT = (c) => USERINFO(c) || (c >= 0x24 && c <= 0x26) || c === 0x2b || c === 0x2c;
  const FORM = (c) => COMPONENT(c) || c === 0x21 || (c >= 0x27 && c <= 0x29) || c === 0x7e;

  /** UTF-8 percent-encode a string (one code point or more) with an encode set. */
  function pctEncode(s, set, spaceAsPlus) {
    let out = "";
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (spaceAsPlus && c === 0x20) out += "+";
        else if (set(c)) out += "%" + HEX[c >> 4] + HEX[c & 15];
        else out += s[i];
        continue;
      }
      let cp = s.codePointAt(i);
      if (cp > 0xffff) i++;
      else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
      const bytes = utf8Encode(String.fromCodePoint(cp));
      for (const b of bytes) out += "%" + HEX[b >> 4] + HEX[b & 15];
    }
    return out;
  }
  const isHex = (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
  const hexVal = (c) => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
  /** percent-decode bytes */
  function pctDecodeBytes(bytes) {
    const out = new Uint8Array(bytes.length);
    let p = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x25 && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
        out[p++] = (hexVal(bytes[i + 1]) << 4) | hexVal(bytes[i + 2]);
        i += 2;
      } else {
        out[p++] = b;
      }
    }
    return out.subarray(0, p);
  }
  const pctDecodeString = (s) => pctDecodeBytes(utf8Encode(s));

  // ------------------------------------------------------------------ domain to ASCII
  // UTS #46 needs Unicode's IDNA mapping and validity tables: the host (Rust's idna
  // crate) runs it. Plain ASCII without a punycode label only needs lower-casing.
  const host = W.host;
  const PLAIN_ASCII = /^[\x00-\x7f]*$/;
  const PUNYCODE_LABEL = /(^|[.])xn--/i;
  function domainToASCII(domain) {
    const d = PLAIN_ASCII.test(domain) && !PUNYCODE_LABEL.test(domain) ? domain.toLowerCase() : host.domainToASCII(domain);
    return d === "" ? null : d;
  }

  // ------------------------------------------------------------------ hosts
  const FORBIDDEN_HOST = new Set([0x00, 0x09, 0x0a, 0x0d, 0x20, 0x23, 0x2f, 0x3a, 0x3c, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x7c]);
  const isForbiddenHost = (c) => FORBIDDEN_HOST.has(c);
  const isForbiddenDomain = (c) => isForbiddenHost(c) || c <= 0x1f || c === 0x25 || c === 0x7f;

  function parseIPv4Number(s) {
    if (s === "") return NaN;
    let radix = 10;
    if (s.length >= 2 && s[0] === "0" && (s[1] === "x" || s[1] === "X")) { s = s.slice(2); radix = 16; }
    else if (s.length >= 2 && s[0] === "0") { s = s.slice(1); radix = 8; }
    if (s === "") return 0;
    const re = radix === 10 ? /^[0-9]+$/ : radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
    if (!re.test(s)) return NaN;
    return parseInt(s, radix);
  }
  function endsInANumber(s) {
    const parts = s.split(".");
    if (parts[parts.length - 1] === "") {
      if (parts.length === 1) return false;
      parts.pop();
    }
    const last = parts[parts.length - 1];
    if (last !== "" && /^[0-9]+$/.test(last)) return true;
    return !Number.isNaN(parseIPv4Number(last));
  }
  function parseIPv4(s) {
    const parts = s.split(".");
    if (parts[parts.length - 1] === "" && parts.length > 1) parts.pop();
    if (parts.length > 4) return null;
    const nums = [];
    for (const p of parts) {
      const n = parseIPv4Number(p);
      if (Number.isNaN(n)) return null;
      nums.push(n);
    }
    for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) return null;
    if (nums[nums.length - 1] >= 256 ** (5 - nums.length)) return null;
    let ipv4 = nums[nums.length - 1];
    for (let i = 0; i < nums.length - 1; i++) ipv4 += nums[i] * 256 ** (3 - i);
    return ipv4;
  }
  function serializeIPv4(n) {
    const out = [];
    for (let i = 0; i < 4; i++) { out.unshift(String(n % 256)); n = Math.floor(n / 256); }
    return out.join(".");
  }
  function parseIPv6(input) {
    const addr = [0, 0, 0, 0, 0, 0, 0, 0];
    let pieceIndex = 0, compress = null, p = 0;
    const c = (i) => (i < input.length ? input.charCodeAt(i) : -1);
    if (c(p) === 0x3a) {
      if (c(p + 1) !== 0x3a) return null;
      p += 2;
      pieceIndex++;
      compress = pieceIndex;
    }
    while (c(p) !== -1) {
      if (pieceIndex === 8) return null;
      if (c(p) === 0x3a) {
        if (compress !== null) return null;
        p++;
        pieceIndex++;
        compress = pieceIndex;
        continue;
      }
      let value = 0, length = 0;
      while (length < 4 && isHex(c(p))) { value = value * 16 + hexVal(c(p)); p++; length++; }
      if (c(p) === 0x2e) {
        if (length === 0) return null;
        p -= length;
        if (pieceIndex > 6) return null;
        let numbersSeen = 0;
        while (c(p) !== -1) {
          let ipv4Piece = null;
          if (numbersSeen > 0) {
            if (c(p) === 0x2e && numbersSeen < 4) p++;
            else return null;
          }
          if (!(c(p) >= 0x30 && c(p) <= 0x39)) return null;
          while (c(p) >= 0x30 && c(p) <= 0x39) {
            const number = c(p) - 0x30;
            if (ipv4Piece === null) ipv4Piece = number;
            else if (ipv4Piece === 0) return null;
            else ipv4Piece = ipv4Piece * 10 + number;
            if (ipv4Piece > 255) return null;
            p++;
          }
          addr[pieceIndex] = addr[pieceIndex] * 0x100 + ipv4Piece;
          numbersSeen++;
          if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
        }
        if (numbersSeen !== 4) return null;
        break;
      } else if (c(p) === 0x3a) {
        p++;
        if (c(p) === -1) return null;
      } else if (c(p) !== -1) {
        return null;
      }
      addr[pieceIndex] = value;
      pieceIndex++;
    }
    if (compress !== null) {
      let swaps = pieceIndex - compress;
      pieceIndex = 7;
      while (pieceIndex !== 0 && swaps > 0) {
        const t = addr[pieceIndex];
        addr[pieceIndex] = addr[compress + swaps - 1];
        addr[compress + swaps - 1] = t;
        pieceIndex--;
        swaps--;
      }
    } else if (pieceIndex !== 8) {
      return null;
    }
    return addr;
  }
  function serializeIPv6(addr) {
    // find the first longest run of zeros (length > 1)
    let best = -1, bestLen = 1, cur = -1, curLen = 0;
    for (let i = 0; i < 8; i++) {
      if (addr[i] === 0) {
        if (cur < 0) { cur = i; curLen = 1; } else curLen++;
        if (curLen > bestLen) { best = cur; bestLen = curLen; }
      } else { cur = -1; curLen = 0; }
    }
    let out = "";
    let ignore0 = false;
    for (let i = 0; i < 8; i++) {
      if (ignore0 && addr[i] === 0) continue;
      ignore0 = false;
      if (best === i) {
        out += i === 0 ? "::" : ":";
        ignore0 = true;
        continue;
      }
      out += addr[i].toString(16);
      if (i !== 7) out += ":";
    }
    return "[" + out + "]";
  }
  /** Host parser; returns the serialized host or null on failure. */
  function parseHost(input, isOpaque) {
    if (input[0] === "[") {
      if (input[input.length - 1] !== "]") return null;
      const a = parseIPv6(input.slice(1, -1));
      return a === null ? null : serializeIPv6(a);
    }
    if (isOpaque) {
      for (let i = 0; i < input.length; i++) if (isForbiddenHost(input.charCodeAt(i))) return null;
      return pctEncode(input, C0);
    }
    const domain = W.utf8DecodeNoBOM(pctDecodeString(input));
    const ascii = domainToASCII(domain);
    if (ascii === null) return null;
    for (let i = 0; i < ascii.length; i++) if (isForbiddenDomain(ascii.charCodeAt(i))) return null;
    if (endsInANumber(ascii)) {
      const v4 = parseIPv4(ascii);
      return v4 === null ? null : serializeIPv4(v4);
    }
    return ascii;
  }

  // ------------------------------------------------------------------ the URL record
  const SPECIAL = new Map([["ftp", 21], ["file", null], ["http", 80], ["https", 443], ["ws", 80], ["wss", 443]]);
  const isSpecialScheme = (s) => SPECIAL.has(s);
  const defaultPort = (s) => (SPECIAL.has(s) ? SPECIAL.get(s) : null);

  function newRecord() {
    return { scheme: "", username: "", password: "", host: null, port: null, path: [], opaque: false, query: null, fragment: null };
  }
  function cloneRecord(r) { return { ...r, path: r.opaque ? r.path : r.path.slice() }; }
  const isAlpha = (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const isDigit = (c) => c >= 0x30 && c <= 0x39;
  const isWinLetter = (s) => s.length === 2 && isAlpha(s.charCodeAt(0)) && (s[1] === ":" || s[1] === "|");
  const isNormWinLetter = (s) => s.length === 2 && isAlpha(s.charCodeAt(0)) && s[1] === ":";
  function startsWithWinLetter(cps, p) {
    if (cps.length - p < 2) return false;
    if (!isWinLetter(cps[p] + cps[p + 1])) return false;
    if (cps.length - p === 2) return true;
    const n = cps[p + 2];
    return n === "/" || n === "\\" || n === "?" || n === "#";
  }
  const SINGLE_DOT = new Set([".", "%2e", "%2E"]);
  const DOUBLE_DOT = new Set(["..", ".%2e", ".%2E", "%2e.", "%2E.", "%2e%2e", "%2E%2E", "%2e%2E", "%2E%2e"]);
  function shortenPath(url) {
    if (url.scheme === "file" && url.path.length === 1 && isNormWinLetter(url.path[0])) return;
    url.path.pop();
  }
  const includesCredentials = (url) => url.username !== "" || url.password !== "";

  const S = {
    SCHEME_START: 1, SCHEME: 2, NO_SCHEME: 3, SPECIAL_RELATIVE_OR_AUTHORITY: 4, PATH_OR_AUTHORITY: 5,
    RELATIVE: 6, RELATIVE_SLASH: 7, SPECIAL_AUTHORITY_SLASHES: 8, SPECIAL_AUTHORITY_IGNORE_SLASHES: 9,
    AUTHORITY: 10, HOST: 11, HOSTNAME: 12, PORT: 13, FILE: 14, FILE_SLASH: 15, FILE_HOST: 16,
    PATH_START: 17, PATH: 18, OPAQUE_PATH: 19, QUERY: 20, FRAGMENT: 21,
  };
  const FAILURE = null;

  /**
   * The basic URL parser. Returns the record, or null on failure. With a state
   * override it mutates `url` and returns it (or null on failure / early return
   * is signalled by returning `url` unchanged).
   */
  function basicParse(input, base, url, override) {
    if (!url) {
      url = newRecord();
      input = input.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
    }
    input = input.replace(/[\t\n\r]/g, "");
    let state = override || S.SCHEME_START;
    let buffer = "";
    let atSignSeen = false, insideBrackets = false, passwordTokenSeen = false;
    const cps = Array.from(input);
    const len = cps.length;
    for (let p = 0; p <= len; p++) {
      const c = p < len ? cps[p] : undefined; // undefined = EOF
      const cc = c === undefined ? -1 : c.codePointAt(0);
      switch (state) {
        case S.SCHEME_START:
          if (isAlpha(cc)) { buffer += c.toLowerCase(); state = S.SCHEME; }
          else if (!override) { state = S.NO_SCHEME; p--; }
          else return FAILURE;
          break;
        case S.SCHEME:
          if (isAlpha(cc) || isDigit(cc) || c === "+" || c === "-" || c === ".") {
            buffer += c.toLowerCase();
          } else if (c === ":") {
            if (override) {
              if (isSpecialScheme(url.scheme) !== isSpecialScheme(buffer)) return url;
              if ((includesCredentials(url) || url.port !== null) && buffer === "file") return url;
              if (url.scheme === "file" && url.host === "") return url;
            }
            url.scheme = buffer;
            if (override) {
              if (url.port === defaultPort(url.scheme)) url.port = null;
              return url;
            }
            buffer = "";
            if (url.scheme === "file") {
              state = S.FILE;
            } else if (isSpecialScheme(url.scheme) && base && base.scheme === url.scheme) {
              state = S.SPECIAL_RELATIVE_OR_AUTHORITY;
            } else if (isSpecialScheme(url.scheme)) {
              state = S.SPECIAL_AUTHORITY_SLASHES;
            } else if (cps[p + 1] === "/") {
              state = S.PATH_OR_AUTHORITY;
              p++;
            } else {
              url.path = "";
              url.opaque = true;
              state = S.OPAQUE_PATH;
            }
          } else if (!override) {
            buffer = "";
            state = S.NO_SCHEME;
            p = -1;
          } else {
            return FAILURE;
          }
          break;
        case S.NO_SCHEME:
          if (!base || (base.opaque && c !== "#")) return FAILURE;
          if (base.opaque && c === "#") {
            url.scheme = base.scheme; url.path = base.path; url.opaque = true; url.query = base.query;
            url.fragment = ""; state = S.FRAGMENT;
          } else if (base.scheme !== "file") {
            state = S.RELATIVE; p--;
          } else {
            state = S.FILE; p--;
          }
          break;
        case S.SPECIAL_RELATIVE_OR_AUTHORITY:
          if (c === "/" && cps[p + 1] === "/") { state = S.SPECIAL_AUTHORITY_IGNORE_SLASHES; p++; }
          else { state = S.RELATIVE; p--; }
          break;
        case S.PATH_OR_AUTHORITY:
          if (c === "/") state = S.AUTHORITY;
          else { state = S.PATH; p--; }
          break;
        case S.RELATIVE:
          url.scheme = base.scheme;
          if (c === "/") state = S.RELATIVE_SLASH;
          else if (isSpecialScheme(url.scheme) && c === "\\") state = S.RELATIVE_SLASH;
          else {
            url.username = base.username; url.password = base.password; url.host = base.host;
            url.port = base.port; url.path = base.path.slice(); url.query = base.query;
            if (c === "?") { url.query = ""; state = S.QUERY; }
            else if (c === "#") { url.fragment = ""; state = S.FRAGMENT; }
            else if (c !== undefined) { url.query = null; shortenPath(url); state = S.PATH; p--; }
          }
          break;
        case S.RELATIVE_SLASH:
          if (isSpecialScheme(url.scheme) && (c === "/" || c === "\\")) state = S.SPECIAL_AUTHORITY_IGNORE_SLASHES;
          else if (c === "/") state = S.AUTHORITY;
          else {
            url.username = base.username; url.password = base.password; url.host = base.host; url.port = base.port;
            state = S.PATH; p--;
          }
          break;
        case S.SPECIAL_AUTHORITY_SLASHES:
          if (c === "/" && cps[p + 1] === "/") { state = S.SPECIAL_AUTHORITY_IGNORE_SLASHES; p++; }
          else { state = S.SPECIAL_AUTHORITY_IGNORE_SLASHES; p--; }
          break;
        case S.SPECIAL_AUTHORITY_IGNORE_SLASHES:
          if (c !== "/" && c !== "\\") { state = S.AUTHORITY; p--; }
          break;
        case S.AUTHORITY:
          if (c === "@") {
            if (atSignSeen) buffer = "%40" + buffer;
            atSignSeen = true;
            for (const bc of Array.from(buffer)) {
              if (bc === ":" && !passwordTokenSeen) { passwordTokenSeen = true; continue; }
              const enc = pctEncode(bc, USERINFO);
              if (passwordTokenSeen) url.password += enc; else url.username += enc;
            }
            buffer = "";
          } else if (c === undefined || c === "/" || c === "?" || c === "#" || (isSpecialScheme(url.scheme) && c === "\\")) {
            if (atSignSeen && buffer === "") return FAILURE;
            p -= Array.from(buffer).length + 1;
            buffer = "";
            state = S.HOST;
          } else {
            buffer += c;
          }
          break;
        case S.HOST:
        case S.HOSTNAME:
          if (override && url.scheme === "file") {
            p--; state = S.FILE_HOST;
          } else if (c === ":" && !insideBrackets) {
            if (buffer === "") return FAILURE;
            if (override === S.HOSTNAME) return FAILURE;
            const host = parseHost(buffer, !isSpecialScheme(url.scheme));
            if (host === null) return FAILURE;
            url.host = host; buffer = ""; state = S.PORT;
          } else if (c === undefined || c === "/" || c === "?" || c === "#" || (isSpecialScheme(url.scheme) && c === "\\")) {
            p--;
            if (isSpecialScheme(url.scheme) && buffer === "") return FAILURE;
            if (override && buffer === "" && (includesCredentials(url) || url.port !== null)) return FAILURE;
            const host = parseHost(buffer, !isSpecialScheme(url.scheme));
            if (host === null) return FAILURE;
            url.host = host; buffer = ""; state = S.PATH_START;
            if (override) return url;
          } else {
            if (c === "[") insideBrackets = true;
            if (c === "]") insideBrackets = false;
            buffer += c;
          }
          break;
        case S.PORT:
          if (isDigit(cc)) {
            buffer += c;
          } else if (c === undefined || c === "/" || c === "?" || c === "#" || (isSpecialScheme(url.scheme) && c === "\\") || override) {
            if (buffer !== "") {
              const port = parseInt(buffer, 10);
              if (port > 65535) return FAILURE;
              url.port = port === defaultPort(url.scheme) ? null : port;
              buffer = "";
              if (override) return url;
            }
            if (override) return FAILURE;
            state = S.PATH_START; p--;
          } else {
            return FAILURE;
          }
          break;
        case S.FILE:
          url.scheme = "file";
          url.host = "";
          if (c === "/" || c === "\\") {
            state = S.FILE_SLASH;
          } else if (base && base.scheme === "file") {
            url.host = base.host; url.path = base.path.slice(); url.query = base.query;
            if (c === "?") { url.query = ""; state = S.QUERY; }
            else if (c === "#") { url.fragment = ""; state = S.FRAGMENT; }
            else if (c !== undefined) {
              url.query = null;
              if (!startsWithWinLetter(cps, p)) shortenPath(url);
              else url.path = [];
              state = S.PATH; p--;
            }
          } else {
            state = S.PATH; p--;
          }
          break;
        case S.FILE_SLASH:
          if (c === "/" || c === "\\") {
            state = S.FILE_HOST;
          } else {
            if (base && base.scheme === "file") {
              url.host = base.host;
              if (!startsWithWinLetter(cps, p) && base.path.length > 0 && isNormWinLetter(base.path[0])) url.path.push(base.path[0]);
            }
            state = S.PATH; p--;
          }
          break;
        case S.FILE_HOST:
          if (c === undefined || c === "/" || c === "\\" || c === "?" || c === "#") {
            p--;
            if (!override && isWinLetter(buffer)) {
              state = S.PATH;
            } else if (buffer === "") {
              url.host = "";
              if (override) return url;
              state = S.PATH_START;
            } else {
              let host = parseHost(buffer, !isSpecialScheme(url.scheme));
              if (host === null) return FAILURE;
              if (host === "localhost") host = "";
              url.host = host;
              if (override) return url;
              buffer = "";
              state = S.PATH_START;
            }
          } else {
            buffer += c;
          }
          break;
        case S.PATH_START:
          if (isSpecialScheme(url.scheme)) {
            state = S.PATH;
            if (c !== "/" && c !== "\\") p--;
          } else if (!override && c === "?") {
            url.query = ""; state = S.QUERY;
          } else if (!override && c === "#") {
            url.fragment = ""; state = S.FRAGMENT;
          } else if (c !== undefined) {
            state = S.PATH;
            if (c !== "/") p--;
          } else if (override && url.host === null) {
            url.path.push("");
          }
          break;
        case S.PATH:
          if (c === undefined || c === "/" || (isSpecialScheme(url.scheme) && c === "\\") || (!override && (c === "?" || c === "#"))) {
            const slash = c === "/" || (isSpecialScheme(url.scheme) && c === "\\");
            if (DOUBLE_DOT.has(buffer)) {
              shortenPath(url);
              if (!slash) url.path.push("");
            } else if (SINGLE_DOT.has(buffer) && !slash) {
              url.path.push("");
            } else if (!SINGLE_DOT.has(buffer)) {
              if (url.scheme === "file" && url.path.length === 0 && isWinLetter(buffer)) buffer = buffer[0] + ":";
              url.path.push(buffer);
            }
            buffer = "";
            if (c === "?") { url.query = ""; state = S.QUERY; }
            if (c === "#") { url.fragment = ""; state = S.FRAGMENT; }
          } else {
            buffer += pctEncode(c, PATH);
          }
          break;
        case S.OPAQUE_PATH:
          if (c === "?") { url.query = ""; state = S.QUERY; }
          else if (c === "#") { url.fragment = ""; state = S.FRAGMENT; }
          else if (c !== undefined) url.path += pctEncode(c, C0);
          break;
        case S.QUERY:
          if ((!override && c === "#") || c === undefined) {
            url.query += pctEncode(buffer, isSpecialScheme(url.scheme) ? SPECIAL_QUERY : QUERY);
            buffer = "";
            if (c === "#") { url.fragment = ""; state = S.FRAGMENT; }
          } else {
            buffer += c;
          }
          break;
        case S.FRAGMENT:
          if (c !== undefined) url.fragment += pctEncode(c, FRAGMENT);
          break;
      }
    }
    return url;
  }

  function serializePath(url) {
    if (url.opaque) return url.path;
    let out = "";
    for (const seg of url.path) out += "/" + seg;
    return out;
  }
  function serialize(url, excludeFragment) {
    let out = url.scheme + ":";
    if (url.host !== null) {
      out += "//";
      if (includesCredentials(url)) {
        out += url.username;
        if (url.password !== "") out += ":" + url.password;
        out += "@";
      }
      out += url.host;
      if (url.port !== null) out += ":" + url.port;
    } else if (!url.opaque && url.path.length > 1 && url.path[0] === "") {
      out += "/.";
    }
    out += serializePath(url);
    if (url.query !== null) out += "?" + url.query;
    if (!excludeFragment && url.fragment !== null) out += "#" + url.fragment;
    return out;
  }
  function origin(url) {
    switch (url.scheme) {
      case "blob": {
        const inner = basicParse(serializePath(url), null);
        if (inner && (inner.scheme === "http" || inner.scheme === "https")) return origin(inner);
        return "null";
      }
      case "ftp": case "http": case "https": case "ws": case "wss":
        return url.scheme + "://" + url.host + (url.port !== null ? ":" + url.port : "");
      default:
        return "null";
    }
  }
  const cannotHaveCredentialsOrPort = (url) => url.host === null || url.host === "" || url.scheme === "file";

  // ------------------------------------------------------------------ application/x-www-form-urlencoded
  function formParse(input) {
    const out = [];
    for (const seq of String(input).split("&")) {
      if (seq === "") continue;
      const eq = seq.indexOf("=");
      const name = eq >= 0 ? seq.slice(0, eq) : seq;
      const value = eq >= 0 ? seq.slice(eq + 1) : "";
      out.push([
        W.utf8DecodeNoBOM(pctDecodeString(name.replace(/\+/g, " "))),
        W.utf8DecodeNoBOM(pctDecodeString(value.replace(/\+/g, " "))),
      ]);
    }
    return out;
  }
  function formSerialize(list) {
    let out = "";
    for (let i = 0; i < list.length; i++) {
      if (i) out += "&";
      out += pctEncode(list[i][0], FORM, true) + "=" + pctEncode(list[i][1], FORM, true);
    }
    return out;
  }
  W.formParse = formParse;
  W.formSerialize = formSerialize;

  // ------------------------------------------------------------------ URLSearchParams
  class URLSearchParams {
    #list = [];
    #url = null; // the URL object whose query this is, or null
    constructor(init = "") {
      if (init !== null && typeof init === "object" || typeof init === "function") {
        if (init instanceof URLSearchParams) {
          this.#list = init.#list.map((p) => [p[0], p[1]]);
        } else if (typeof init[Symbol.iterator] === "function") {
          for (const pair of init) {
            const arr = Array.from(pair);
            if (arr.length !== 2) throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence of pairs.");
            this.#list.push([W.toUSVString(arr[0]), W.toUSVString(arr[1])]);
          }
        } else {
          for (const key of Reflect.ownKeys(init)) {
            const desc = Reflect.getOwnPropertyDescriptor(init, key);
            if (desc === undefined || !desc.enumerable) continue;
            if (typeof key === "symbol") throw new TypeError("Failed to construct 'URLSearchParams': record keys must be strings");
            this.#list.push([W.toUSVString(key), W.toUSVString(init[key])]);
          }
        }
      } else {
        let s = W.toUSVString(init);
        if (s[0] === "?") s = s.slice(1);
        this.#list = formParse(s);
      }
    }
    #update() {
      if (this.#url === null) return;
      const s = formSerialize(this.#list);
      W.urlSetQueryFromParams(this.#url, s === "" ? null : s);
    }
    get size() { return this.#list.length; }
    append(name, value) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'append' on 'URLSearchParams'");
      this.#list.push([W.toUSVString(name), W.toUSVString(value)]);
      this.#update();
    }
    delete(name, value) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'delete' on 'URLSearchParams'");
      name = W.toUSVString(name);
      if (value !== undefined) {
        value = W.toUSVString(value);
        this.#list = this.#list.filter((p) => !(p[0] === name && p[1] === value));
      } else {
        this.#list = this.#list.filter((p) => p[0] !== name);
      }
      this.#update();
    }
    get(name) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'get' on 'URLSearchParams'");
      name = W.toUSVString(name);
      for (const p of this.#list) if (p[0] === name) return p[1];
      return null;
    }
    getAll(name) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'getAll' on 'URLSearchParams'");
      name = W.toUSVString(name);
      return this.#list.filter((p) => p[0] === name).map((p) => p[1]);
    }
    has(name, value) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'has' on 'URLSearchParams'");
      name = W.toUSVString(name);
      if (value !== undefined) { value = W.toUSVString(value); return this.#list.some((p) => p[0] === name && p[1] === value); }
      return this.#list.some((p) => p[0] === name);
    }
    set(name, value) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'set' on 'URLSearchParams'");
      name = W.toUSVString(name);
      value = W.toUSVString(value);
      const i = this.#list.findIndex((p) => p[0] === name);
      if (i < 0) this.#list.push([name, value]);
      else {
        this.#list[i][1] = value;
        this.#list = this.#list.filter((p, k) => k <= i || p[0] !== name);
      }
      this.#update();
    }
    sort() {
      // stable sort by code units of the name
      const indexed = this.#list.map((p, i) => [p, i]);
      indexed.sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]));
      this.#list = indexed.map((x) => x[0]);
      this.#update();
    }
    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': parameter 1 is not of type 'Function'.");
      for (let i = 0; i < this.#list.length; i++) callback.call(thisArg, this.#list[i][1], this.#list[i][0], this);
    }
    *entries() { for (let i = 0; i < this.#list.length; i++) yield [this.#list[i][0], this.#list[i][1]]; }
    *keys() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][0]; }
    *values() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][1]; }
    toString() { return formSerialize(this.#list); }
    static {
      W.paramsAttach = (params, url) => { params.#url = url; };
      W.paramsReplace = (params, query) => { params.#list = query ? formParse(query) : []; };
      W.paramsList = (params) => params.#list;
      W.isURLSearchParams = (v) => v !== null && typeof v === "object" && #list in v;
    }
  }
  URLSearchParams.prototype[Symbol.iterator] = URLSearchParams.prototype.entries;
  Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, { enumerable: false });
  W.tag(URLSearchParams);

  // ------------------------------------------------------------------ URL
  function parseOrThrow(url, base) {
    let baseRecord = null;
    if (base !== undefined) {
      baseRecord = basicParse(W.toUSVString(base), null);
      if (baseRecord === null) throw new TypeError(`Failed to construct 'URL': Invalid base URL '${base}'`);
    }
    const rec = basicParse(W.toUSVString(url), baseRecord);
    if (rec === null) throw new TypeError(`Failed to construct 'URL': Invalid URL '${url}'`);
    return rec;
  }
  function stripTrailingSpacesFromOpaquePath(rec) {
    if (!rec.opaque || rec.fragment !== null || rec.query !== null) return;
    rec.path = rec.path.replace(/ +$/, "");
  }

  class URL {
    #r;
    #params;
    constructor(url, base = undefined) {
      W.requiredArgs(arguments.length, 1, "Failed to construct 'URL'");
      this.#r = parseOrThrow(url, base);
      this.#params = null; // created on first use
    }
    static canParse(url, base = undefined) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'canParse' on 'URL'");
      try { parseOrThrow(url, base); return true; } catch (_) { return false; }
    }
    static parse(url, base = undefined) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'parse' on 'URL'");
      try { return new URL(url, base); } catch (_) { return null; }
    }
    get href() { return serialize(this.#r, false); }
    set href(v) {
      const rec = basicParse(W.toUSVString(v), null);
      if (rec === null) throw new TypeError(`Failed to set the 'href' property on 'URL': Invalid URL '${v}'`);
      this.#r = rec;
      if (this.#params) W.paramsReplace(this.#params, rec.query);
    }
    get origin() { return origin(this.#r); }
    get protocol() { return this.#r.scheme + ":"; }
    set protocol(v) { this.#apply(W.toUSVString(v) + ":", S.SCHEME_START); }
    get username() { return this.#r.username; }
    set username(v) {
      if (cannotHaveCredentialsOrPort(this.#r)) return;
      this.#r.username = pctEncode(W.toUSVString(v), USERINFO);
    }
    get password() { return this.#r.password; }
    set password(v) {
      if (cannotHaveCredentialsOrPort(this.#r)) return;
      this.#r.password = pctEncode(W.toUSVString(v), USERINFO);
    }
    get host() {
      const r = this.#r;
      if (r.host === null) return "";
      return r.port === null ? r.host : r.host + ":" + r.port;
    }
    set host(v) { if (!this.#r.opaque) this.#apply(W.toUSVString(v), S.HOST); }
    get hostname() { return this.#r.host === null ? "" : this.#r.host; }
    set hostname(v) { if (!this.#r.opaque) this.#apply(W.toUSVString(v), S.HOSTNAME); }
    get port() { return this.#r.port === null ? "" : String(this.#r.port); }
    set port(v) {
      if (cannotHaveCredentialsOrPort(this.#r)) return;
      v = W.toUSVString(v);
      if (v === "") this.#r.port = null;
      else this.#apply(v, S.PORT);
    }
    get pathname() { return serializePath(this.#r); }
    set pathname(v) {
      if (this.#r.opaque) return;
      const copy = cloneRecord(this.#r);
      copy.path = [];
      const res = basicParse(W.toUSVString(v), null, copy, S.PATH_START);
      if (res !== null) this.#r = copy;
    }
    get search() { const q = this.#r.query; return q === null || q === "" ? "" : "?" + q; }
    set search(v) {
      v = W.toUSVString(v);
      if (v === "") {
        this.#r.query = null;
        if (this.#params) W.paramsReplace(this.#params, null);
        stripTrailingSpacesFromOpaquePath(this.#r);
        return;
      }
      if (v[0] === "?") v = v.slice(1);
      const copy = cloneRecord(this.#r);
      copy.query = "";
      if (basicParse(v, null, copy, S.QUERY) !== null) {
        this.#r = copy;
        if (this.#params) W.paramsReplace(this.#params, copy.query);
      }
    }
    get searchParams() {
      if (this.#params === null) {
        this.#params = new URLSearchParams(this.#r.query || "");
        W.paramsAttach(this.#params, this);
      }
      return this.#params;
    }
    get hash() { const f = this.#r.fragment; return f === null || f === "" ? "" : "#" + f; }
    set hash(v) {
      v = W.toUSVString(v);
      if (v === "") { this.#r.fragment = null; stripTrailingSpacesFromOpaquePath(this.#r); return; }
      if (v[0] === "#") v = v.slice(1);
      const copy = cloneRecord(this.#r);
      copy.fragment = "";
      if (basicParse(v, null, copy, S.FRAGMENT) !== null) this.#r = copy;
    }
    toString() { return serialize(this.#r, false); }
    toJSON() { return serialize(this.#r, false); }
    #apply(value, state) {
      // NOTE: in place, as the spec runs the state-override parser: a failure late in
      // the input keeps what was set before it (host "h:65536" sets the host, not the port)
      basicParse(value, null, this.#r, state);
    }
    static {
      W.urlSetQueryFromParams = (u, q) => { u.#r.query = q; if (q === null) stripTrailingSpacesFromOpaquePath(u.#r); };
      W.isURL = (v) => v !== null && typeof v === "object" && #r in v;
      W.urlRecord = (u) => u.#r;
    }
  }
  W.tag(URL);
  for (const k of ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "searchParams", "hash"]) {
    Object.defineProperty(URL.prototype, k, { enumerable: true });
  }
  Object.defineProperty(URL.prototype, W.inspectSymbol, {
    value() {
      return { href: this.href, origin: this.origin, protocol: this.protocol, username: this.username, password: this.password, host: this.host, hostname: this.hostname, port: this.port, pathname: this.pathname, search: this.search, searchParams: this.searchParams, hash: this.hash };
    },
  });
  Object.defineProperty(URLSearchParams.prototype, W.inspectSymbol, {
    value() { const o = {}; for (const [k, v] of W.paramsList(this)) o[k] = v; return o; },
  });

  /** Parse a URL string (for fetch/Request): returns the serialized URL or null. */
  W.parseURL = (s, base) => {
    const b = base === undefined ? null : basicParse(String(base), null);
    const r = basicParse(W.toUSVString(s), b);
    return r === null ? null : r;
  };
  W.serializeURL = serialize;
  W.urlOrigin = origin;
  W.URL = URL;
  W.URLSearchParams = URLSearchParams;
  W.defineGlobal("URL", URL);
  W.defineGlobal("URLSearchParams", URLSearchParams);
})();

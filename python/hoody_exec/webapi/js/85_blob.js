// Blob, File, FormData (+ multipart/form-data encoding and parsing for bodies).
(function () {
  "use strict";
  const W = globalThis.__hoody._w;

  function normalizeType(t) {
    t = String(t);
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) return "";
    }
    return t.toLowerCase();
  }

  class Blob {
    #bytes;
    #type;
    constructor(blobParts = undefined, options = undefined) {
      const chunks = [];
      if (blobParts !== undefined) {
        if (blobParts === null || typeof blobParts !== "object" || typeof blobParts[Symbol.iterator] !== "function") {
          throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
        }
        const native = options && options.endings === "native";
        for (const part of blobParts) {
          if (part instanceof Blob) chunks.push(part.#bytes);
          else if (W.isBufferSource(part)) chunks.push(W.bytesCopy(part));
          else {
            let s = W.toUSVString(part);
            if (native) s = s.replace(/\r\n?/g, "\n");
            chunks.push(W.utf8Encode(s));
          }
        }
      }
      if (options !== undefined && options !== null && typeof options !== "object") {
        throw new TypeError("Failed to construct 'Blob': parameter 2 is not of type 'BlobPropertyBag'.");
      }
      if (options && options.endings !== undefined && options.endings !== "transparent" && options.endings !== "native") {
        throw new TypeError(`Failed to construct 'Blob': The provided value '${options.endings}' is not a valid enum value of type EndingType.`);
      }
      this.#bytes = W.concatBytes(chunks);
      this.#type = options && options.type !== undefined ? normalizeType(options.type) : "";
    }
    get size() { return this.#bytes.byteLength; }
    get type() { return this.#type; }
    slice(start = undefined, end = undefined, contentType = undefined) {
      const size = this.#bytes.byteLength;
      const rel = (v, dflt) => {
        if (v === undefined) return dflt;
        v = Math.trunc(Number(v)) || 0;
        return v < 0 ? Math.max(size + v, 0) : Math.min(v, size);
      };
      const from = rel(start, 0);
      const to = rel(end, size);
      const b = new Blob();
      b.#bytes = this.#bytes.subarray(from, Math.max(from, to));
      b.#type = contentType === undefined ? "" : normalizeType(contentType);
      return b;
    }
    stream() {
      const bytes = this.#bytes;
      let offset = 0;
      const CHUNK = 65536;
      return new W.ReadableStream({
        type: "bytes",
        pull(controller) {
          if (offset >= bytes.length) { controller.close(); return; }
          const end = Math.min(offset + CHUNK, bytes.length);
          controller.enqueue(bytes.slice(offset, end));
          offset = end;
        },
      });
    }
    text() { return Promise.resolve(W.utf8Decode(this.#bytes)); }
    arrayBuffer() { return Promise.resolve(this.#bytes.slice().buffer); }
    bytes() { return Promise.resolve(this.#bytes.slice()); }
    static {
      W.blobBytes = (b) => b.#bytes;
      W.isBlob = (v) => v !== null && typeof v === "object" && #bytes in v;
      W.makeBlob = (bytes, type) => { const b = new Blob(); b.#bytes = bytes; b.#type = normalizeType(type || ""); return b; };
    }
  }
  for (const k of ["size", "type"]) Object.defineProperty(Blob.prototype, k, { enumerable: true });
  W.tag(Blob);

  class File extends Blob {
    #name;
    #lastModified;
    constructor(fileBits, fileName, options = undefined) {
      W.requiredArgs(arguments.length, 2, "Failed to construct 'File'");
      super(fileBits, options);
      this.#name = W.toUSVString(fileName);
      this.#lastModified = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
      if (!Number.isFinite(this.#lastModified)) this.#lastModified = 0;
      this.#lastModified = Math.trunc(this.#lastModified);
    }
    get name() { return this.#name; }
    get lastModified() { return this.#lastModified; }
    get webkitRelativePath() { return ""; }
    static {
      W.isFile = (v) => v !== null && typeof v === "object" && #name in v;
    }
  }
  for (const k of ["name", "lastModified"]) Object.defineProperty(File.prototype, k, { enumerable: true });
  W.tag(File);

  const cloneBlobLike = (v) => (W.isFile(v)
    ? new File([v], v.name, { type: v.type, lastModified: v.lastModified })
    : W.makeBlob(W.blobBytes(v), v.type));
  W.registerCloneable((v) => W.isBlob(v), cloneBlobLike);

  // ------------------------------------------------------------------ FormData
  function toEntry(name, value, filename, argc) {
    name = W.toUSVString(name);
    if (W.isBlob(value)) {
      if (!W.isFile(value) || filename !== undefined) {
        const fname = filename !== undefined ? W.toUSVString(filename) : W.isFile(value) ? value.name : "blob";
        value = new File([value], fname, { type: value.type, lastModified: W.isFile(value) ? value.lastModified : undefined });
      }
      return [name, value];
    }
    if (argc > 2) throw new TypeError("Failed to execute on 'FormData': parameter 2 is not of type 'Blob'.");
    return [name, W.toUSVString(value)];
  }

  class FormData {
    #list = [];
    constructor(form = undefined, submitter = undefined) {
      if (form !== undefined) throw new TypeError("Failed to construct 'FormData': HTML forms are not supported here.");
      void submitter;
    }
    append(name, value, filename = undefined) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'append' on 'FormData'");
      this.#list.push(toEntry(name, value, filename, arguments.length));
    }
    delete(name) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'delete' on 'FormData'");
      name = W.toUSVString(name);
      this.#list = this.#list.filter((e) => e[0] !== name);
    }
    get(name) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'get' on 'FormData'");
      name = W.toUSVString(name);
      const e = this.#list.find((x) => x[0] === name);
      return e ? e[1] : null;
    }
    getAll(name) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'getAll' on 'FormData'");
      name = W.toUSVString(name);
      return this.#list.filter((x) => x[0] === name).map((x) => x[1]);
    }
    has(name) {
      W.requiredArgs(arguments.length, 1, "Failed to execute 'has' on 'FormData'");
      name = W.toUSVString(name);
      return this.#list.some((x) => x[0] === name);
    }
    set(name, value, filename = undefined) {
      W.requiredArgs(arguments.length, 2, "Failed to execute 'set' on 'FormData'");
      const entry = toEntry(name, value, filename, arguments.length);
      const i = this.#list.findIndex((x) => x[0] === entry[0]);
      if (i < 0) this.#list.push(entry);
      else {
        this.#list[i] = entry;
        this.#list = this.#list.filter((x, k) => k <= i || x[0] !== entry[0]);
      }
    }
    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeError("Failed to execute 'forEach' on 'FormData': parameter 1 is not of type 'Function'.");
      for (let i = 0; i < this.#list.length; i++) callback.call(thisArg, this.#list[i][1], this.#list[i][0], this);
    }
    *entries() { for (let i = 0; i < this.#list.length; i++) yield [this.#list[i][0], this.#list[i][1]]; }
    *keys() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][0]; }
    *values() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][1]; }
    static {
      W.formDataList = (f) => f.#list;
      W.isFormData = (v) => v !== null && typeof v === "object" && #list in v;
    }
  }
  FormData.prototype[Symbol.iterator] = FormData.prototype.entries;
  Object.defineProperty(FormData.prototype, Symbol.iterator, { enumerable: false });
  W.tag(FormData);

  const escapeName = (s) => s.replace(/\r\n?|\n/g, "\r\n").replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
  const escapeValue = (s) => s.replace(/\r(?!\n)|(?<!\r)\n/g, "\r\n");
  /** multipart/form-data encoding: returns {bytes, contentType}. */
  W.formDataEncode = function (fd) {
    const rnd = W.randomBytes(12);
    const boundary = "----HoodyFormBoundary" + Array.from(rnd, (b) => b.toString(16).padStart(2, "0")).join("");
    const chunks = [];
    for (const [name, value] of W.formDataList(fd)) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(escapeValue(name))}"`;
      if (typeof value === "string") {
        chunks.push(W.utf8Encode(head + "\r\n\r\n" + escapeValue(value) + "\r\n"));
      } else {
        head += `; filename="${escapeName(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
        chunks.push(W.utf8Encode(head), W.blobBytes(value), W.utf8Encode("\r\n"));
      }
    }
    chunks.push(W.utf8Encode(`--${boundary}--\r\n`));
    return { bytes: W.concatBytes(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
  };

  function indexOf(hay, needle, from) {
    const first = needle[0];
    outer: for (let i = from; i <= hay.length - needle.length; i++) {
      if (hay[i] !== first) continue;
      for (let k = 1; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
      return i;
    }
    return -1;
  }
  function param(header, name) {
    const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i");
    const m = re.exec(header);
    if (!m) return null;
    return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2];
  }
  W.mimeParam = param;
  /** Parse multipart/form-data bytes into a FormData; throws TypeError when malformed. */
  W.formDataParseMultipart = function (bytes, contentType) {
    const boundary = param(contentType, "boundary");
    if (!boundary) throw new TypeError("Missing boundary in multipart/form-data content type");
    const delim = W.utf8Encode("--" + boundary);
    const fd = new FormData();
    let pos = indexOf(bytes, delim, 0);
    if (pos < 0) throw new TypeError("Invalid multipart/form-data body");
    const crlfcrlf = W.utf8Encode("\r\n\r\n");
    const nextDelim = W.utf8Encode("\r\n--" + boundary);
    for (;;) {
      pos += delim.length;
      if (bytes[pos] === 0x2d && bytes[pos + 1] === 0x2d) break; // closing delimiter
      // skip transport padding and CRLF
      while (bytes[pos] === 0x20 || bytes[pos] === 0x09) pos++;
      if (bytes[pos] !== 0x0d || bytes[pos + 1] !== 0x0a) throw new TypeError("Invalid multipart/form-data body");
      pos += 2;
      const headEnd = indexOf(bytes, crlfcrlf, pos);
      if (headEnd < 0) throw new TypeError("Invalid multipart/form-data body");
      const headText = W.utf8DecodeNoBOM(bytes.subarray(pos, headEnd));
      const bodyStart = headEnd + 4;
      const bodyEnd = indexOf(bytes, nextDelim, bodyStart);
      if (bodyEnd < 0) throw new TypeError("Invalid multipart/form-data body");
      let disposition = "", type = "";
      for (const line of headText.split("\r\n")) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const n = line.slice(0, i).trim().toLowerCase();
        const v = line.slice(i + 1).trim();
        if (n === "content-disposition") disposition = v;
        else if (n === "content-type") type = v;
      }
      const name = param(disposition, "name");
      if (name === null) throw new TypeError("Invalid multipart/form-data body: part without a name");
      const filename = param(disposition, "filename");
      const body = bytes.subarray(bodyStart, bodyEnd);
      if (filename !== null) fd.append(name, new File([body], filename, { type: type || "application/octet-stream" }));
      else fd.append(name, W.utf8DecodeNoBOM(body));
      pos = bodyEnd + 2;
    }
    return fd;
  };

  W.Blob = Blob;
  W.File = File;
  W.FormData = FormData;
  W.defineGlobal("Blob", Blob);
  W.defineGlobal("File", File);
  W.defineGlobal("FormData", FormData);
})();

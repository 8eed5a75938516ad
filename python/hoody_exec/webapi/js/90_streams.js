// Streams Standard: ReadableStream (default + a byte controller that copies into
// BYOB views), WritableStream, TransformStream, queuing strategies, pipeTo /
// pipeThrough, tee, async iteration, ReadableStream.from, TextEncoderStream /
// TextDecoderStream. Structured after the spec's abstract operations.
(function () {
  "use strict";
  const W = globalThis.__hoody._w;
  const { DOMException } = W;
  const token = Symbol("streams");
  const noop = () => {};
  const resolved = (v) => Promise.resolve(v);
  const rejected = (e) => { const p = Promise.reject(e); p.catch(noop); return p; };
  function deferred() {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    promise.catch(noop);
    return { promise, resolve, reject, settled: false };
  }
  const settle = (d, ok, v) => { if (d.settled) return; d.settled = true; (ok ? d.resolve : d.reject)(v); };
  const call = (obj, method, args) => {
    if (obj === undefined || obj === null) return undefined;
    const fn = obj[method];
    if (fn === undefined || fn === null) return undefined;
    if (typeof fn !== "function") throw new TypeError(`${method} is not a function`);
    return fn.apply(obj, args);
  };
  const promiseCall = (obj, method, args) => {
    try { return resolved(call(obj, method, args)); } catch (e) { return rejected(e); }
  };
  function extractHWM(strategy, dflt) {
    if (!strategy || strategy.highWaterMark === undefined) return dflt;
    const h = Number(strategy.highWaterMark);
    if (Number.isNaN(h) || h < 0) throw new RangeError("Invalid highWaterMark");
    return h;
  }
  function extractSize(strategy) {
    if (!strategy || strategy.size === undefined) return () => 1;
    if (typeof strategy.size !== "function") throw new TypeError("strategy.size must be a function");
    return (chunk) => strategy.size(chunk);
  }

  // ------------------------------------------------------------------ queuing strategies
  class CountQueuingStrategy {
    #hwm;
    constructor(init) {
      W.requiredArgs(arguments.length, 1, "Failed to construct 'CountQueuingStrategy'");
      if (!init || init.highWaterMark === undefined) throw new TypeError("highWaterMark is required");
      this.#hwm = Number(init.highWaterMark);
    }
    get highWaterMark() { return this.#hwm; }
    get size() { return countSize; }
  }
  const countSize = function size() { return 1; };
  class ByteLengthQueuingStrategy {
    #hwm;
    constructor(init) {
      W.requiredArgs(arguments.length, 1, "Failed to construct 'ByteLengthQueuingStrategy'");
      if (!init || init.highWaterMark === undefined) throw new TypeError("highWaterMark is required");
      this.#hwm = Number(init.highWaterMark);
    }
    get highWaterMark() { return this.#hwm; }
    get size() { return byteSize; }
  }
  const byteSize = function size(chunk) { return chunk.byteLength; };
  W.tag(CountQueuingStrategy);
  W.tag(ByteLengthQueuingStrategy);

  // ================================================================== ReadableStream
  class ReadableStream {
    constructor(underlyingSource = undefined, strategy = undefined) {
      const source = underlyingSource === undefined ? null : underlyingSource;
      if (source !== null && typeof source !== "object") throw new TypeError("Failed to construct 'ReadableStream': underlyingSource must be an object");
      this._state = "readable";
      this._reader = undefined;
      this._storedError = undefined;
      this._disturbed = false;
      const type = source && source.type !== undefined ? String(source.type) : undefined;
      if (type === "bytes") {
        if (strategy && strategy.size !== undefined) throw new RangeError("A byte stream cannot have a size function");
        setUpController(this, source, extractHWM(strategy, 0), (c) => c.byteLength, true);
      } else if (type !== undefined) {
        throw new TypeError(`Failed to construct 'ReadableStream': invalid type '${type}'`);
      } else {
        setUpController(this, source, extractHWM(strategy, 1), extractSize(strategy), false);
      }
    }
    get locked() { return this._reader !== undefined; }
    cancel(reason = undefined) {
      if (this._reader !== undefined) return rejected(new TypeError("Cannot cancel a locked ReadableStream"));
      return rsCancel(this, reason);
    }
    getReader(options = undefined) {
      const mode = options && options.mode !== undefined ? String(options.mode) : undefined;
      if (mode === undefined) return new ReadableStreamDefaultReader(this);
      if (mode !== "byob") throw new TypeError(`Invalid reader mode '${mode}'`);
      return new ReadableStreamBYOBReader(this);
    }
    pipeThrough(transform, options = {}) {
      if (!transform || !(transform.readable instanceof ReadableStream) || !(transform.writable instanceof WritableStream)) {
        throw new TypeError("Failed to execute 'pipeThrough': transform must have readable and writable streams");
      }
      if (this.locked) throw new TypeError("Cannot pipe a locked ReadableStream");
      if (transform.writable.locked) throw new TypeError("Cannot pipe to a locked WritableStream");
      const p = pipe(this, transform.writable, options || {});
      p.catch(noop);
      return transform.readable;
    }
    pipeTo(destination, options = {}) {
      if (!(destination instanceof WritableStream)) return rejected(new TypeError("Failed to execute 'pipeTo': destination is not a WritableStream"));
      if (this.locked) return rejected(new TypeError("Cannot pipe a locked ReadableStream"));
      if (destination.locked) return rejected(new TypeError("Cannot pipe to a locked WritableStream"));
      try { return pipe(this, destination, options || {}); } catch (e) { return rejected(e); }
    }
    tee() { return tee(this); }
    values(options = undefined) {
      const preventCancel = !!(options && options.preventCancel);
      return makeAsyncIterator(this, preventCancel);
    }
    static from(asyncIterable) {
      if (asyncIterable instanceof ReadableStream) return asyncIterable;
      let it;
      const asyncM = asyncIterable != null ? asyncIterable[Symbol.asyncIterator] : undefined;
      if (asyncM !== undefined && asyncM !== null) it = asyncM.call(asyncIterable);
      else {
        const syncM = asyncIterable != null ? asyncIterable[Symbol.iterator] : undefined;
        if (typeof syncM !== "function") throw new TypeError("ReadableStream.from: argument is not iterable");
        const syncIt = syncM.call(asyncIterable);
        it = {
          next: () => { const r = syncIt.next(); return Promise.resolve(r.value).then((value) => ({ value, done: r.done })); },
          return: (v) => Promise.resolve(typeof syncIt.return === "function" ? syncIt.return(v) : { done: true, value: v }),
        };
      }
      if (it === null || typeof it !== "object") throw new TypeError("ReadableStream.from: iterator is not an object");
      return new ReadableStream({
        pull(c) {
          return Promise.resolve(it.next()).then((r) => {
            if (r === null || typeof r !== "object") throw new TypeError("iterator result is not an object");
            if (r.done) c.close(); else c.enqueue(r.value);
          });
        },
        cancel(reason) {
          if (typeof it.return !== "function") return undefined;
          return Promise.resolve(it.return(reason)).then((r) => {
            if (r === null || typeof r !== "object") throw new TypeError("iterator return result is not an object");
          });
        },
      }, { highWaterMark: 0 });
    }
  }
  ReadableStream.prototype[Symbol.asyncIterator] = ReadableStream.prototype.values;
  Object.defineProperty(ReadableStream.prototype, Symbol.asyncIterator, { enumerable: false });
  W.tag(ReadableStream);

  // ------------------------------------------------------------------ controller
  class ReadableStreamDefaultController {
    constructor(t) { if (t !== token) throw new TypeError("Illegal constructor"); }
    get desiredSize() { return rcDesiredSize(this); }
    close() {
      if (!rcCanCloseOrEnqueue(this)) throw new TypeError("The stream is not in a state that permits close");
      rcClose(this);
    }
    enqueue(chunk = undefined) {
      if (!rcCanCloseOrEnqueue(this)) throw new TypeError("The stream is not in a state that permits enqueue");
      rcEnqueue(this, chunk);
    }
    error(e = undefined) { rcError(this, e); }
  }
  W.tag(ReadableStreamDefaultController);
  class ReadableByteStreamController extends ReadableStreamDefaultController {
    get byobRequest() { return null; }
    enqueue(chunk) {
      if (!ArrayBuffer.isView(chunk)) throw new TypeError("chunk must be an ArrayBufferView");
      if (chunk.byteLength === 0) throw new TypeError("chunk must not be empty");
      if (!rcCanCloseOrEnqueue(this)) throw new TypeError("The stream is not in a state that permits enqueue");
      // the spec transfers the buffer; a copy keeps the caller's view usable and the queue private
      rcEnqueue(this, new Uint8Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength)));
    }
  }
  W.tag(ReadableByteStreamController);

  function setUpController(stream, source, hwm, sizeAlg, bytes) {
    const c = new (bytes ? ReadableByteStreamController : ReadableStreamDefaultController)(token);
    c._stream = stream;
    c._queue = [];
    c._queueTotalSize = 0;
    c._started = c._closeRequested = c._pullAgain = c._pulling = false;
    c._hwm = hwm;
    c._size = sizeAlg;
    c._source = source;
    c._bytes = bytes;
    stream._controller = c;
    let startResult;
    startResult = call(source, "start", [c]);
    resolved(startResult).then(() => {
      c._started = true;
      rcCallPullIfNeeded(c);
    }, (e) => rcError(c, e));
  }
  function rcDesiredSize(c) {
    const s = c._stream._state;
    if (s === "errored") return null;
    if (s === "closed") return 0;
    return c._hwm - c._queueTotalSize;
  }
  const rcCanCloseOrEnqueue = (c) => !c._closeRequested && c._stream._state === "readable";
  function rcShouldCallPull(c) {
    if (!rcCanCloseOrEnqueue(c) || !c._started) return false;
    const stream = c._stream;
    if (stream._reader && stream._reader._readRequests.length > 0) return true;
    return rcDesiredSize(c) > 0;
  }
  function rcCallPullIfNeeded(c) {
    if (!rcShouldCallPull(c)) return;
    if (c._pulling) { c._pullAgain = true; return; }
    c._pulling = true;
    promiseCall(c._source, "pull", [c]).then(() => {
      c._pulling = false;
      if (c._pullAgain) { c._pullAgain = false; rcCallPullIfNeeded(c); }
    }, (e) => rcError(c, e));
  }
  function rcClearAlgorithms(c) { c._source = null; c._size = () => 1; }
  function rcClose(c) {
    c._closeRequested = true;
    if (c._queue.length === 0) { rcClearAlgorithms(c); rsClose(c._stream); }
  }
  function rcEnqueue(c, chunk) {
    const stream = c._stream;
    const reader = stream._reader;
    if (reader && reader._readRequests.length > 0) {
      const req = reader._readRequests.shift();
      if (req.byob) {
        // the queue is empty here: what does not fit the view waits at its head
        c._queue.push({ value: chunk, size: chunk.byteLength });
        c._queueTotalSize += chunk.byteLength;
        deliver(req, byobTake(c, req), false);
      } else deliver(req, chunk, false);
    } else {
      let size;
      try { size = c._size(chunk); } catch (e) { rcError(c, e); throw e; }
      size = Number(size);
      if (!(size >= 0) || size === Infinity) {
        const e = new RangeError("The return value of a queuing strategy's size function must be a finite, non-NaN, non-negative number");
        rcError(c, e);
        throw e;
      }
      c._queue.push({ value: chunk, size });
      c._queueTotalSize += size;
    }
    rcCallPullIfNeeded(c);
  }
  function rcError(c, e) {
    const stream = c._stream;
    if (stream._state !== "readable") return;
    c._queue = [];
    c._queueTotalSize = 0;
    rcClearAlgorithms(c);
    rsError(stream, e);
  }
  function rcPull(c, req) {
    const stream = c._stream;
    if (c._queue.length > 0) {
      let value;
      if (req.byob) value = byobTake(c, req);
      else {
        const head = c._queue.shift();
        value = head.value;
        c._queueTotalSize -= head.size;
      }
      if (c._queueTotalSize < 0) c._queueTotalSize = 0;
      if (c._closeRequested && c._queue.length === 0) { rcClearAlgorithms(c); rsClose(stream); }
      else rcCallPullIfNeeded(c);
      deliver(req, value, false);
    } else {
      stream._reader._readRequests.push(req);
      rcCallPullIfNeeded(c);
    }
  }
  // Dequeues at most what fits a BYOB request's view (whole elements when it can);
  // the rest stays at the head of the queue, so a close requested meanwhile waits for it.
  function byobTake(c, req) {
    const head = c._queue[0];
    const chunk = head.value;
    let n = Math.min(chunk.byteLength, req.capacity);
    n -= n % req.elem;
    if (n === 0) n = Math.min(chunk.byteLength, req.capacity); // a tiny chunk for a wide view
    if (n === chunk.byteLength) c._queue.shift();
    else { head.value = chunk.subarray(n); head.size = head.value.byteLength; }
    c._queueTotalSize -= n;
    return chunk.subarray(0, n);
  }
  function deliver(req, value, done) {
    if (req.byob) {
      if (done) { req.resolve({ value: req.emptyView(), done: true }); return; }
      req.fill(value);
    } else {
      req.resolve({ value, done });
    }
  }

  // ------------------------------------------------------------------ stream ops
  function rsCancel(stream, reason) {
    stream._disturbed = true;
    if (stream._state === "closed") return resolved(undefined);
    if (stream._state === "errored") return rejected(stream._storedError);
    rsClose(stream);
    const c = stream._controller;
    c._queue = [];
    c._queueTotalSize = 0;
    const source = c._source;
    rcClearAlgorithms(c);
    return promiseCall(source, "cancel", [reason]).then(() => undefined);
  }
  function rsClose(stream) {
    stream._state = "closed";
    const reader = stream._reader;
    if (!reader) return;
    settle(reader._closed, true, undefined);
    const reqs = reader._readRequests;
    reader._readRequests = [];
    for (const r of reqs) deliver(r, undefined, true);
  }
  function rsError(stream, e) {
    stream._state = "errored";
    stream._storedError = e;
    const reader = stream._reader;
    if (!reader) return;
    settle(reader._closed, false, e);
    const reqs = reader._readRequests;
    reader._readRequests = [];
    for (const r of reqs) r.reject(e);
  }

  // ------------------------------------------------------------------ readers
  function readerInit(reader, stream) {
    if (!(stream instanceof ReadableStream)) throw new TypeError("Failed to construct reader: parameter 1 is not of type 'ReadableStream'.");
    if (stream.locked) throw new TypeError("ReadableStream is locked");
    reader._stream = stream;
    reader._readRequests = [];
    reader._closed = deferred();
    stream._reader = reader;
    if (stream._state === "closed") settle(reader._closed, true, undefined);
    else if (stream._state === "errored") settle(reader._closed, false, stream._storedError);
  }
  function readerRelease(reader) {
    const stream = reader._stream;
    const e = new TypeError("Reader was released");
    if (stream._state === "readable") settle(reader._closed, false, e);
    else { reader._closed = deferred(); settle(reader._closed, false, e); }
    const reqs = reader._readRequests;
    reader._readRequests = [];
    for (const r of reqs) r.reject(e);
    stream._reader = undefined;
    reader._stream = undefined;
  }
  function readerRead(reader, req) {
    const stream = reader._stream;
    stream._disturbed = true;
    if (stream._state === "closed") deliver(req, undefined, true);
    else if (stream._state === "errored") req.reject(stream._storedError);
    else rcPull(stream._controller, req);
  }

  class ReadableStreamDefaultReader {
    constructor(stream) {
      W.requiredArgs(arguments.length, 1, "Failed to construct 'ReadableStreamDefaultReader'");
      readerInit(this, stream);
    }
    get closed() { return this._closed.promise; }
    cancel(reason = undefined) {
      if (!this._stream) return rejected(new TypeError("Reader has no stream"));
      return rsCancel(this._stream, reason);
    }
    read() {
      if (!this._stream) return rejected(new TypeError("Reader has no stream"));
      return new Promise((resolve, reject) => readerRead(this, { resolve, reject }));
    }
    releaseLock() { if (this._stream) readerRelease(this); }
  }
  W.tag(ReadableStreamDefaultReader);

  class ReadableStreamBYOBReader {
    constructor(stream) {
      W.requiredArgs(arguments.length, 1, "Failed to construct 'ReadableStreamBYOBReader'");
      if (!(stream instanceof ReadableStream) || !stream._controller._bytes) {
        throw new TypeError("Cannot use a BYOB reader with a non-byte stream");
      }
      readerInit(this, stream);
    }
    get closed() { return this._closed.promise; }
    cancel(reason = undefined) {
      if (!this._stream) return rejected(new TypeError("Reader has no stream"));
      return rsCancel(this._stream, reason);
    }
    read(view, options = undefined) {
      if (!ArrayBuffer.isView(view)) return rejected(new TypeError("read() requires an ArrayBufferView"));
      if (view.byteLength === 0) return rejected(new TypeError("view must have non-zero byteLength"));
      if (!this._stream) return rejected(new TypeError("Reader has no stream"));
      void options;
      const elem = view.BYTES_PER_ELEMENT || 1;
      const Ctor = view.constructor;
      return new Promise((resolve, reject) => {
        const req = {
          byob: true, resolve, reject, elem, capacity: view.byteLength,
          emptyView: () => new Ctor(view.buffer, view.byteOffset, 0),
          fill(chunk) {
            // chunk fits: byobTake cut it to the view
            new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(chunk);
            const n = chunk.byteLength;
            resolve({ value: elem === 1 ? new Ctor(view.buffer, view.byteOffset, n) : new Ctor(view.buffer, view.byteOffset, Math.floor(n / elem)), done: false });
          },
        };
        readerRead(this, req);
      });
    }
    releaseLock() { if (this._stream) readerRelease(this); }
  }
  W.tag(ReadableStreamBYOBReader);

  // ------------------------------------------------------------------ async iteration
  const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
  const RSAsyncIteratorPrototype = Object.create(AsyncIteratorPrototype);
  function makeAsyncIterator(stream, preventCancel) {
    const reader = new ReadableStreamDefaultReader(stream);
    const it = Object.create(RSAsyncIteratorPrototype);
    let ongoing = null;
    let finished = false;
    const nextSteps = () => {
      if (finished) return resolved({ value: undefined, done: true });
      return reader.read().then((r) => {
        if (r.done) { finished = true; reader.releaseLock(); return { value: undefined, done: true }; }
        return r;
      }, (e) => { finished = true; reader.releaseLock(); throw e; });
    };
    const returnSteps = (value) => {
      if (finished) return resolved({ value, done: true });
      finished = true;
      if (!preventCancel) {
        const p = reader.cancel(value);
        reader.releaseLock();
        return p.then(() => ({ value, done: true }));
      }
      reader.releaseLock();
      return resolved({ value, done: true });
    };
    it.next = () => {
      ongoing = ongoing ? ongoing.then(nextSteps, nextSteps) : nextSteps();
      return ongoing;
    };
    it.return = (value) => {
      const p = ongoing ? ongoing.then(() => returnSteps(value), () => returnSteps(value)) : returnSteps(value);
      ongoing = p;
      return p;
    };
    return it;
  }
  Object.defineProperty(RSAsyncIteratorPrototype, Symbol.toStringTag, { value: "ReadableStream AsyncIterator", configurable: true });

  // ------------------------------------------------------------------ tee
  function tee(stream) {
    const reader = new ReadableStreamDefaultReader(stream);
    let reading = false, readAgain = false, canceled1 = false, canceled2 = false, reason1, reason2;
    let branch1, branch2;
    const cancelPromise = deferred();
    const cloneForBranch2 = stream._controller._bytes;
    function pullAlgorithm() {
      if (reading) { readAgain = true; return resolved(); }
      reading = true;
      reader.read().then((r) => {
        queueMicrotaskSafe(() => {
          readAgain = false;
          if (r.done) {
            reading = false;
            if (!canceled1) rcClose(branch1._controller);
            if (!canceled2) rcClose(branch2._controller);
            if (!canceled1 || !canceled2) settle(cancelPromise, true, undefined);
            return;
          }
          const chunk1 = r.value;
          const chunk2 = cloneForBranch2 && chunk1 instanceof Uint8Array ? chunk1.slice() : chunk1;
          if (!canceled1) rcEnqueue(branch1._controller, chunk1);
          if (!canceled2) rcEnqueue(branch2._controller, chunk2);
          reading = false;
          if (readAgain) pullAlgorithm();
        });
      }, () => { reading = false; });
      return resolved();
    }
    function cancelAlgorithm(which, reason) {
      if (which === 1) { canceled1 = true; reason1 = reason; } else { canceled2 = true; reason2 = reason; }
      if (canceled1 && canceled2) {
        rsCancel(stream, [reason1, reason2]).then((v) => settle(cancelPromise, true, v), (e) => settle(cancelPromise, false, e));
      }
      return cancelPromise.promise;
    }
    const mk = (which) => new ReadableStream({
      type: cloneForBranch2 ? "bytes" : undefined,
      pull: pullAlgorithm,
      cancel: (reason) => cancelAlgorithm(which, reason),
    }, cloneForBranch2 ? undefined : { highWaterMark: 0 });
    branch1 = mk(1);
    branch2 = mk(2);
    // the byte controller copies on enqueue; plain enqueue keeps identity for branch1
    reader._closed.promise.catch((e) => {
      rcError(branch1._controller, e);
      rcError(branch2._controller, e);
      if (!canceled1 || !canceled2) settle(cancelPromise, true, undefined);
    });
    return [branch1, branch2];
  }
  const queueMicrotaskSafe = (fn) => { Promise.resolve().then(fn); };

  // ================================================================== WritableStream
  class WritableStream {
    constructor(underlyingSink = undefined, strategy = undefined) {
      const sink = underlyingSink === undefined ? null : underlyingSink;
      if (sink !== null && typeof sink !== "object") throw new TypeError("Failed to construct 'WritableStream': underlyingSink must be an object");
      if (sink && sink.type !== undefined) throw new RangeError("Invalid type is specified");
      this._state = "writable";
      this._storedError = undefined;
      this._writer = undefined;
      this._inFlightWriteRequest = undefined;
      this._closeRequest = undefined;
      this._inFlightCloseRequest = undefined;
      this._pendingAbortRequest = undefined;
      this._writeRequests = [];
      this._backpressure = false;
      setUpWritableController(this, sink, extractHWM(strategy, 1), extractSize(strategy));
    }
    get locked() { return this._writer !== undefined; }
    abort(reason = undefined) {
      if (this.locked) return rejected(new TypeError("Cannot abort a locked WritableStream"));
      return wsAbort(this, reason);
    }
    close() {
      if (this.locked) return rejected(new TypeError("Cannot close a locked WritableStream"));
      if (wsCloseQueuedOrInFlight(this)) return rejected(new TypeError("The stream is closing"));
      return wsClose(this);
    }
    getWriter() { return new WritableStreamDefaultWriter(this); }
  }
  W.tag(WritableStream);

  class WritableStreamDefaultController {
    constructor(t) { if (t !== token) throw new TypeError("Illegal constructor"); }
    get signal() { return this._abortController.signal; }
    error(e = undefined) {
      if (this._stream._state !== "writable") return;
      wcError(this, e);
    }
  }
  W.tag(WritableStreamDefaultController);
  const CLOSE_SENTINEL = Symbol("close");

  function setUpWritableController(stream, sink, hwm, sizeAlg) {
    const c = new WritableStreamDefaultController(token);
    c._stream = stream;
    c._queue = [];
    c._queueTotalSize = 0;
    c._abortController = new AbortController();
    c._started = false;
    c._size = sizeAlg;
    c._hwm = hwm;
    c._sink = sink;
    stream._controller = c;
    wsUpdateBackpressure(stream, wcGetBackpressure(c));
    let startResult;
    try { startResult = call(sink, "start", [c]); } catch (e) { throw e; }
    resolved(startResult).then(() => {
      c._started = true;
      wcAdvanceQueueIfNeeded(c);
    }, (e) => {
      c._started = true;
      wsDealWithRejection(stream, e);
    });
  }
  const wcGetDesiredSize = (c) => c._hwm - c._queueTotalSize;
  const wcGetBackpressure = (c) => wcGetDesiredSize(c) <= 0;
  function wcClearAlgorithms(c) { c._sink = null; c._size = () => 1; }
  function wcError(c, e) {
    const stream = c._stream;
    wcClearAlgorithms(c);
    wsStartErroring(stream, e);
  }
  function wcErrorIfNeeded(c, e) { if (c._stream._state === "writable") wcError(c, e); }
  function wcWrite(c, chunk, size) {
    c._queue.push({ value: chunk, size });
    c._queueTotalSize += size;
    const stream = c._stream;
    if (!wsCloseQueuedOrInFlight(stream) && stream._state === "writable") wsUpdateBackpressure(stream, wcGetBackpressure(c));
    wcAdvanceQueueIfNeeded(c);
  }
  function wcGetChunkSize(c, chunk) {
    try { return c._size(chunk); } catch (e) { wcErrorIfNeeded(c, e); return 1; }
  }
  function wcAdvanceQueueIfNeeded(c) {
    const stream = c._stream;
    if (!c._started || stream._inFlightWriteRequest !== undefined) return;
    if (stream._state === "erroring") { wsFinishErroring(stream); return; }
    if (c._queue.length === 0) return;
    const head = c._queue[0].value;
    if (head === CLOSE_SENTINEL) {
      // process close
      stream._inFlightCloseRequest = stream._closeRequest;
      stream._closeRequest = undefined;
      c._queue.shift();
      const sink = c._sink;
      wcClearAlgorithms(c);
      promiseCall(sink, "close", []).then(() => wsFinishInFlightClose(stream), (e) => wsFinishInFlightCloseWithError(stream, e));
    } else {
      stream._inFlightWriteRequest = stream._writeRequests.shift();
      promiseCall(c._sink, "write", [head, c]).then(() => {
        settle(stream._inFlightWriteRequest, true, undefined);
        stream._inFlightWriteRequest = undefined;
        const { size } = c._queue.shift();
        c._queueTotalSize -= size;
        if (c._queueTotalSize < 0) c._queueTotalSize = 0;
        if (!wsCloseQueuedOrInFlight(stream) && stream._state === "writable") wsUpdateBackpressure(stream, wcGetBackpressure(c));
        wcAdvanceQueueIfNeeded(c);
      }, (e) => {
        if (stream._state === "writable") wcClearAlgorithms(c);
        settle(stream._inFlightWriteRequest, false, e);
        stream._inFlightWriteRequest = undefined;
        wsDealWithRejection(stream, e);
      });
    }
  }

  function wsAbort(stream, reason) {
    if (stream._state === "closed" || stream._state === "errored") return resolved(undefined);
    stream._controller._abortController.abort(reason);
    const state = stream._state;
    if (state === "closed" || state === "errored") return resolved(undefined);
    if (stream._pendingAbortRequest !== undefined) return stream._pendingAbortRequest.d.promise;
    let wasAlreadyErroring = false;
    if (state === "erroring") { wasAlreadyErroring = true; reason = undefined; }
    const d = deferred();
    stream._pendingAbortRequest = { d, reason, wasAlreadyErroring };
    if (!wasAlreadyErroring) wsStartErroring(stream, reason);
    return d.promise;
  }
  function wsClose(stream) {
    const state = stream._state;
    if (state === "closed" || state === "errored") return rejected(new TypeError("The stream is closed or errored"));
    const d = deferred();
    stream._closeRequest = d;
    const writer = stream._writer;
    if (writer && stream._backpressure && state === "writable") settle(writer._ready, true, undefined);
    const c = stream._controller;
    c._queue.push({ value: CLOSE_SENTINEL, size: 0 });
    wcAdvanceQueueIfNeeded(c);
    return d.promise;
  }
  const wsCloseQueuedOrInFlight = (s) => s._closeRequest !== undefined || s._inFlightCloseRequest !== undefined;
  const wsHasOperationMarkedInFlight = (s) => s._inFlightWriteRequest !== undefined || s._inFlightCloseRequest !== undefined;
  function wsDealWithRejection(stream, e) {
    if (stream._state === "writable") { wsStartErroring(stream, e); return; }
    wsFinishErroring(stream);
  }
  function wsStartErroring(stream, reason) {
    const c = stream._controller;
    stream._state = "erroring";
    stream._storedError = reason;
    const writer = stream._writer;
    if (writer) writerEnsureReadyRejected(writer, reason);
    if (!wsHasOperationMarkedInFlight(stream) && c._started) wsFinishErroring(stream);
  }
  function wsFinishErroring(stream) {
    stream._state = "errored";
    const c = stream._controller;
    c._queue = [];
    c._queueTotalSize = 0;
    const e = stream._storedError;
    for (const r of stream._writeRequests) settle(r, false, e);
    stream._writeRequests = [];
    const abortReq = stream._pendingAbortRequest;
    if (abortReq === undefined) { wsRejectCloseAndClosedIfNeeded(stream); return; }
    stream._pendingAbortRequest = undefined;
    if (abortReq.wasAlreadyErroring) {
      settle(abortReq.d, false, e);
      wsRejectCloseAndClosedIfNeeded(stream);
      return;
    }
    const sink = c._sink;
    wcClearAlgorithms(c);
    promiseCall(sink, "abort", [abortReq.reason]).then(() => {
      settle(abortReq.d, true, undefined);
      wsRejectCloseAndClosedIfNeeded(stream);
    }, (err) => {
      settle(abortReq.d, false, err);
      wsRejectCloseAndClosedIfNeeded(stream);
    });
  }
  function wsFinishInFlightClose(stream) {
    settle(stream._inFlightCloseRequest, true, undefined);
    stream._inFlightCloseRequest = undefined;
    if (stream._state === "erroring") {
      stream._storedError = undefined;
      if (stream._pendingAbortRequest !== undefined) {
        settle(stream._pendingAbortRequest.d, true, undefined);
        stream._pendingAbortRequest = undefined;
      }
    }
    stream._state = "closed";
    const writer = stream._writer;
    if (writer) settle(writer._closed, true, undefined);
  }
  function wsFinishInFlightCloseWithError(stream, e) {
    settle(stream._inFlightCloseRequest, false, e);
    stream._inFlightCloseRequest = undefined;
    if (stream._pendingAbortRequest !== undefined) {
      settle(stream._pendingAbortRequest.d, false, e);
      stream._pendingAbortRequest = undefined;
    }
    wsDealWithRejection(stream, e);
  }
  function wsRejectCloseAndClosedIfNeeded(stream) {
    if (stream._closeRequest !== undefined) {
      settle(stream._closeRequest, false, stream._storedError);
      stream._closeRequest = undefined;
    }
    const writer = stream._writer;
    if (writer) {
      if (writer._closed.settled) writer._closed = deferred();
      settle(writer._closed, false, stream._storedError);
    }
  }
  function wsUpdateBackpressure(stream, bp) {
    const writer = stream._writer;
    if (writer && bp !== stream._backpressure) {
      if (bp) writer._ready = deferred();
      else settle(writer._ready, true, undefined);
    }
    stream._backpressure = bp;
  }
  function writerEnsureReadyRejected(writer, e) {
    if (writer._ready.settled) writer._ready = deferred();
    settle(writer._ready, false, e);
  }

  class WritableStreamDefaultWriter {
    constructor(stream) {
      W.requiredArgs(arguments.length, 1, "Failed to construct 'WritableStreamDefaultWriter'");
      if (!(stream instanceof WritableStream)) throw new TypeError("parameter 1 is not of type 'WritableStream'.");
      if (stream.locked) throw new TypeError("WritableStream is locked");
      this._stream = stream;
      stream._writer = this;
      const state = stream._state;
      this._ready = deferred();
      this._closed = deferred();
      if (state === "writable") {
        if (wsCloseQueuedOrInFlight(stream) || !stream._backpressure) settle(this._ready, true, undefined);
      } else if (state === "erroring") {
        settle(this._ready, false, stream._storedError);
      } else if (state === "closed") {
        settle(this._ready, true, undefined);
        settle(this._closed, true, undefined);
      } else {
        settle(this._ready, false, stream._storedError);
        settle(this._closed, false, stream._storedError);
      }
    }
    get closed() { return this._closed.promise; }
    get desiredSize() {
      if (!this._stream) throw new TypeError("Writer has no stream");
      const s = this._stream._state;
      if (s === "errored" || s === "erroring") return null;
      if (s === "closed") return 0;
      return wcGetDesiredSize(this._stream._controller);
    }
    get ready() { return this._ready.promise; }
    abort(reason = undefined) {
      if (!this._stream) return rejected(new TypeError("Writer has no stream"));
      return wsAbort(this._stream, reason);
    }
    close() {
      const stream = this._stream;
      if (!stream) return rejected(new TypeError("Writer has no stream"));
      if (wsCloseQueuedOrInFlight(stream)) return rejected(new TypeError("The stream is closing"));
      return wsClose(stream);
    }
    releaseLock() {
      const stream = this._stream;
      if (!stream) return;
      const e = new TypeError("Writer was released");
      writerEnsureReadyRejected(this, e);
      if (this._closed.settled) this._closed = deferred();
      settle(this._closed, false, e);
      stream._writer = undefined;
      this._stream = undefined;
    }
    write(chunk = undefined) {
      const stream = this._stream;
      if (!stream) return rejected(new TypeError("Writer has no stream"));
      const c = stream._controller;
      const size = wcGetChunkSize(c, chunk);
      if (stream !== this._stream) return rejected(new TypeError("Writer was released"));
      const state = stream._state;
      if (state === "errored") return rejected(stream._storedError);
      if (wsCloseQueuedOrInFlight(stream) || state === "closed") return rejected(new TypeError("The stream is closing or closed"));
      if (state === "erroring") return rejected(stream._storedError);
      const d = deferred();
      stream._writeRequests.push(d);
      wcWrite(c, chunk, size);
      return d.promise;
    }
  }
  W.tag(WritableStreamDefaultWriter);

  // ------------------------------------------------------------------ pipeTo
  function pipe(source, dest, options) {
    const preventClose = !!options.preventClose, preventAbort = !!options.preventAbort, preventCancel = !!options.preventCancel;
    const signal = options.signal;
    if (signal !== undefined && !W.isAbortSignal(signal)) throw new TypeError("Failed to execute 'pipeTo': signal is not an AbortSignal");
    const reader = new ReadableStreamDefaultReader(source);
    const writer = new WritableStreamDefaultWriter(dest);
    source._disturbed = true;
    let shuttingDown = false;
    let currentWrite = resolved();
    const done = deferred();
    let removeAbort = noop;

    function finalize(isError, error) {
      writer.releaseLock();
      reader.releaseLock();
      removeAbort();
      settle(done, !isError, error);
    }
    function waitForWrites() {
      const old = currentWrite;
      return old.then(() => (old !== currentWrite ? waitForWrites() : undefined), () => (old !== currentWrite ? waitForWrites() : undefined));
    }
    function shutdownWithAction(action, originalIsError, originalError) {
      if (shuttingDown) return;
      shuttingDown = true;
      const go = () => action().then(() => finalize(originalIsError, originalError), (e) => finalize(true, e));
      if (dest._state === "writable" && !wsCloseQueuedOrInFlight(dest)) waitForWrites().then(go);
      else go();
    }
    function shutdown(isError, error) {
      if (shuttingDown) return;
      shuttingDown = true;
      if (dest._state === "writable" && !wsCloseQueuedOrInFlight(dest)) waitForWrites().then(() => finalize(isError, error));
      else finalize(isError, error);
    }

    if (signal) {
      const abortAlgorithm = () => {
        const error = signal.reason;
        const actions = [];
        if (!preventAbort) actions.push(() => (dest._state === "writable" ? wsAbort(dest, error) : resolved()));
        if (!preventCancel) actions.push(() => (source._state === "readable" ? rsCancel(source, error) : resolved()));
        shutdownWithAction(() => Promise.all(actions.map((a) => a())), true, error);
      };
      if (signal.aborted) { abortAlgorithm(); return done.promise; }
      removeAbort = W.addAbortAlgorithm(signal, abortAlgorithm);
    }

    // error and close propagation
    const checkSourceErrored = () => {
      if (source._state === "errored") {
        const e = source._storedError;
        if (!preventAbort) shutdownWithAction(() => wsAbort(dest, e), true, e); else shutdown(true, e);
        return true;
      }
      return false;
    };
    const checkDestErrored = () => {
      if (dest._state === "errored" || dest._state === "erroring") {
        const e = dest._storedError;
        if (!preventCancel) shutdownWithAction(() => rsCancel(source, e), true, e); else shutdown(true, e);
        return true;
      }
      return false;
    };
    const checkSourceClosed = () => {
      if (source._state === "closed") {
        if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer), false);
        else shutdown(false);
        return true;
      }
      return false;
    };
    const checkDestClosed = () => {
      if (wsCloseQueuedOrInFlight(dest) || dest._state === "closed") {
        const e = new TypeError("the destination writable stream closed before all data could be piped to it");
        if (!preventCancel) shutdownWithAction(() => rsCancel(source, e), true, e); else shutdown(true, e);
        return true;
      }
      return false;
    };
    reader._closed.promise.then(() => { if (!shuttingDown) checkSourceClosed(); }, () => { if (!shuttingDown) checkSourceErrored(); });
    writer._closed.promise.then(noop, () => { if (!shuttingDown) checkDestErrored(); });

    if (checkSourceErrored() || checkDestErrored() || checkSourceClosed() || checkDestClosed()) return done.promise;

    // NOTE: the read request's chunk steps write synchronously, as in the spec: a
    // promise turn between the read and the write would let the source's close
    // (settled in the same step as its last chunk) shut the pipe down first.
    const readRequest = {
      resolve(r) {
        if (r.done) { if (!shuttingDown) checkSourceClosed(); return; }
        currentWrite = writer.write(r.value);
        currentWrite.catch(noop);
        step();
      },
      reject() { if (!shuttingDown) checkSourceErrored(); },
    };
    function step() {
      if (shuttingDown) return;
      writer._ready.promise.then(() => {
        if (shuttingDown) return;
        readerRead(reader, readRequest);
      }, () => { if (!shuttingDown) checkDestErrored(); });
    }
    step();
    return done.promise;
  }
  function writerCloseWithErrorPropagation(writer) {
    const stream = writer._stream;
    const state = stream._state;
    if (wsCloseQueuedOrInFlight(stream) || state === "closed") return resolved();
    if (state === "errored") return rejected(stream._storedError);
    return wsClose(stream);
  }

  // ================================================================== TransformStream
  class TransformStream {
    constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
      const t = transformer === undefined ? null : transformer;
      if (t && t.readableType !== undefined) throw new RangeError("Invalid readableType");
      if (t && t.writableType !== undefined) throw new RangeError("Invalid writableType");
      const readableHWM = extractHWM(readableStrategy, 0);
      const readableSize = extractSize(readableStrategy);
      const writableHWM = extractHWM(writableStrategy, 1);
      const writableSize = extractSize(writableStrategy);
      const startPromise = deferred();
      const ts = this;
      this._backpressure = undefined;
      this._backpressureChange = undefined;
      this._writable = new WritableStream({
        start: () => startPromise.promise,
        write: (chunk) => tsSinkWrite(ts, chunk),
        abort: (reason) => tsSinkAbort(ts, reason),
        close: () => tsSinkClose(ts),
      }, { highWaterMark: writableHWM, size: writableSize });
      this._readable = new ReadableStream({
        start: () => startPromise.promise,
        pull: () => tsSourcePull(ts),
        cancel: (reason) => tsSourceCancel(ts, reason),
      }, { highWaterMark: readableHWM, size: readableSize });
      tsSetBackpressure(this, true);
      const c = new TransformStreamDefaultController(token);
      c._stream = this;
      c._transformer = t;
      c._finish = undefined;
      this._controller = c;
      let startResult;
      try { startResult = call(t, "start", [c]); } catch (e) { settle(startPromise, false, e); throw e; }
      settle(startPromise, true, startResult);
    }
    get readable() { return this._readable; }
    get writable() { return this._writable; }
  }
  W.tag(TransformStream);

  class TransformStreamDefaultController {
    constructor(t) { if (t !== token) throw new TypeError("Illegal constructor"); }
    get desiredSize() { return rcDesiredSize(this._stream._readable._controller); }
    enqueue(chunk = undefined) {
      const ts = this._stream;
      const rc = ts._readable._controller;
      if (!rcCanCloseOrEnqueue(rc)) throw new TypeError("Readable side is not in a state that permits enqueue");
      try { rcEnqueue(rc, chunk); } catch (e) {
        tsErrorWritableAndUnblockWrite(ts, e);
        throw ts._readable._storedError;
      }
      const bp = !rcShouldCallPull(rc);
      if (bp !== ts._backpressure) tsSetBackpressure(ts, true);
    }
    error(reason = undefined) { tsError(this._stream, reason); }
    terminate() {
      const ts = this._stream;
      const rc = ts._readable._controller;
      if (rcCanCloseOrEnqueue(rc)) rcClose(rc);
      tsErrorWritableAndUnblockWrite(ts, new TypeError("TransformStream terminated"));
    }
  }
  W.tag(TransformStreamDefaultController);

  function tsSetBackpressure(ts, bp) {
    if (ts._backpressureChange !== undefined) settle(ts._backpressureChange, true, undefined);
    ts._backpressureChange = deferred();
    ts._backpressure = bp;
  }
  function tsError(ts, e) {
    rcError(ts._readable._controller, e);
    tsErrorWritableAndUnblockWrite(ts, e);
  }
  function tsErrorWritableAndUnblockWrite(ts, e) {
    ts._controller._transformer = null;
    wcErrorIfNeeded(ts._writable._controller, e);
    if (ts._backpressure) tsSetBackpressure(ts, false);
  }
  function tsPerformTransform(ts, chunk) {
    const c = ts._controller;
    const t = c._transformer;
    let p;
    if (t && t.transform !== undefined) p = promiseCall(t, "transform", [chunk, c]);
    else {
      try { c.enqueue(chunk); p = resolved(); } catch (e) { p = rejected(e); }
    }
    return p.then(undefined, (e) => { tsError(ts, e); throw e; });
  }
  function tsSinkWrite(ts, chunk) {
    if (ts._backpressure) {
      return ts._backpressureChange.promise.then(() => {
        const w = ts._writable;
        if (w._state === "erroring") throw w._storedError;
        return tsPerformTransform(ts, chunk);
      });
    }
    return tsPerformTransform(ts, chunk);
  }
  function tsSinkAbort(ts, reason) {
    const c = ts._controller;
    if (c._finish) return c._finish;
    const t = c._transformer;
    c._transformer = null;
    c._finish = promiseCall(t, "cancel", [reason]).then(() => {
      const r = ts._readable;
      if (r._state === "errored") throw r._storedError;
      rcError(r._controller, reason);
    }, (e) => { rcError(ts._readable._controller, e); throw e; });
    return c._finish;
  }
  function tsSinkClose(ts) {
    const c = ts._controller;
    if (c._finish) return c._finish;
    const t = c._transformer;
    c._transformer = null;
    c._finish = promiseCall(t, "flush", [c]).then(() => {
      const r = ts._readable;
      if (r._state === "errored") throw r._storedError;
      if (rcCanCloseOrEnqueue(r._controller)) rcClose(r._controller);
    }, (e) => { rcError(ts._readable._controller, e); throw e; });
    return c._finish;
  }
  function tsSourcePull(ts) {
    tsSetBackpressure(ts, false);
    return ts._backpressureChange.promise;
  }
  function tsSourceCancel(ts, reason) {
    const c = ts._controller;
    if (c._finish) return c._finish;
    const t = c._transformer;
    c._transformer = null;
    c._finish = promiseCall(t, "cancel", [reason]).then(() => {
      const w = ts._writable;
      if (w._state === "errored") throw w._storedError;
      wcErrorIfNeeded(w._controller, reason);
      if (ts._backpressure) tsSetBackpressure(ts, false);
    }, (e) => {
      wcErrorIfNeeded(ts._writable._controller, e);
      if (ts._backpressure) tsSetBackpressure(ts, false);
      throw e;
    });
    return c._finish;
  }

  // ================================================================== encoding streams
  class TextEncoderStream {
    #ts;
    constructor() {
      let pendingHigh = null;
      this.#ts = new TransformStream({
        transform(chunk, c) {
          let s = String(chunk);
          if (pendingHigh !== null) { s = pendingHigh + s; pendingHigh = null; }
          if (s.length) {
            const last = s.charCodeAt(s.length - 1);
            if (last >= 0xd800 && last <= 0xdbff) { pendingHigh = s[s.length - 1]; s = s.slice(0, -1); }
          }
          if (s.length) c.enqueue(W.utf8Encode(s));
        },
        flush(c) { if (pendingHigh !== null) c.enqueue(new Uint8Array([0xef, 0xbf, 0xbd])); },
      });
    }
    get encoding() { return "utf-8"; }
    get readable() { return this.#ts.readable; }
    get writable() { return this.#ts.writable; }
  }
  W.tag(TextEncoderStream);
  class TextDecoderStream {
    #ts; #decoder;
    constructor(label = "utf-8", options = {}) {
      const decoder = new W.TextDecoder(label, options);
      this.#decoder = decoder;
      this.#ts = new TransformStream({
        transform(chunk, c) {
          if (!W.isBufferSource(chunk)) throw new TypeError("TextDecoderStream: chunk is not a BufferSource");
          const s = decoder.decode(chunk, { stream: true });
          if (s) c.enqueue(s);
        },
        flush(c) { const s = decoder.decode(); if (s) c.enqueue(s); },
      });
    }
    get encoding() { return this.#decoder.encoding; }
    get fatal() { return this.#decoder.fatal; }
    get ignoreBOM() { return this.#decoder.ignoreBOM; }
    get readable() { return this.#ts.readable; }
    get writable() { return this.#ts.writable; }
  }
  W.tag(TextDecoderStream);

  // Hide the underscore slots from enumeration/inspection: make them non-enumerable lazily is costly,
  // so inspection uses a hook instead.
  for (const C of [ReadableStream, WritableStream, TransformStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader,
    WritableStreamDefaultWriter, ReadableStreamDefaultController, WritableStreamDefaultController, TransformStreamDefaultController]) {
    Object.defineProperty(C.prototype, W.inspectSymbol, { value() { return { locked: this.locked, state: this._state }; } });
  }

  W.ReadableStream = ReadableStream;
  W.WritableStream = WritableStream;
  W.TransformStream = TransformStream;
  W.isReadableStream = (v) => v instanceof ReadableStream;
  W.streamDisturbed = (s) => s._disturbed;
  W.streamLocked = (s) => s._reader !== undefined;
  W.streamState = (s) => s._state;
  W.rsCancel = rsCancel;
  /** Read a whole stream into one Uint8Array (chunks must be BufferSources). */
  W.readAllBytes = async function (stream) {
    const reader = new ReadableStreamDefaultReader(stream);
    const chunks = [];
    let total = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        if (!W.isBufferSource(value)) { reader.cancel(new TypeError("chunk is not a Uint8Array")); throw new TypeError("Received non-Uint8Array chunk"); }
      }
      const u = W.bytesView(value);
      chunks.push(u);
      total += u.byteLength;
    }
    return W.concatBytes(chunks, total);
  };

  for (const [name, C] of Object.entries({
    ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableStreamDefaultController,
    ReadableByteStreamController, WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController,
    TransformStream, TransformStreamDefaultController, CountQueuingStrategy, ByteLengthQueuingStrategy,
    TextEncoderStream, TextDecoderStream,
  })) W.defineGlobal(name, C);
})();

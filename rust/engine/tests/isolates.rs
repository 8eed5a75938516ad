//! Drives real V8 isolates (the libmini_racer of the pinned wheel; `scripts/test`
//! sets HOODY_MINI_RACER_DIR).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver};
use hoody_engine::pool::PreludeScript;
use hoody_engine::*;

fn engine() -> Arc<dyn JsEngine> {
    Arc::new(MiniRacerEngine::start(None).expect("V8 starts (set HOODY_MINI_RACER_DIR)"))
}

fn isolate() -> Arc<dyn JsIsolate> {
    engine().create_isolate(&IsolateConfig::default()).unwrap()
}

fn eval(iso: &dyn JsIsolate, code: &str) -> Result<Primitive, Failure> {
    let (tx, rx) = bounded(1);
    iso.eval(code, "test.js", None, Box::new(move |r| drop(tx.send(r))));
    rx.recv_timeout(Duration::from_secs(10)).unwrap()
}

fn call(iso: &dyn JsIsolate, payload: &str) -> Receiver<Result<Payload, Failure>> {
    let (tx, rx) = bounded(1);
    iso.call(payload, None, Box::new(move |r| drop(tx.send(r))));
    rx
}

#[test]
fn evaluates_primitives() {
    let iso = isolate();
    assert_eq!(eval(&*iso, "1 + 2").unwrap(), Primitive::Int(3));
    assert_eq!(
        eval(&*iso, "'a' + 'é'").unwrap(),
        Primitive::Str("aé".into())
    );
    assert_eq!(eval(&*iso, "0.5").unwrap(), Primitive::Double(0.5));
    assert_eq!(eval(&*iso, "undefined").unwrap(), Primitive::Undefined);
    assert_eq!(eval(&*iso, "({})").unwrap(), Primitive::Other);
    assert_eq!(
        eval(&*iso, "typeof __hoody_dispatch").unwrap(),
        Primitive::Str("undefined".into())
    );
}

#[test]
fn script_errors_carry_name_message_and_position() {
    let iso = isolate();
    let Err(Failure::Js(e)) = eval(&*iso, "\n\nnull.x") else {
        panic!("expected a JS error")
    };
    assert_eq!(e.name, "TypeError");
    assert_eq!((e.filename.as_deref(), e.line), (Some("test.js"), Some(3)));
    let Err(Failure::Js(e)) = eval(&*iso, "let = ;") else {
        panic!("expected a syntax error")
    };
    assert_eq!(e.name, "SyntaxError");
}

#[test]
fn calls_reach_on_call_and_return_text_or_bytes() {
    let iso = isolate();
    eval(
        &*iso,
        "__hoody.onCall = async (p) => p === 'bin' ? new Uint8Array([1,2,3]) : 'echo:' + p",
    )
    .unwrap();
    let r = call(&*iso, "héllo").recv().unwrap().unwrap();
    assert_eq!(r, Payload::Text("echo:héllo".into()));
    let r = call(&*iso, "bin").recv().unwrap().unwrap();
    assert_eq!(r, Payload::Bytes(vec![1, 2, 3]));
    // Large results cross the mailbox in chunks.
    eval(&*iso, "__hoody.onCall = async (p) => 'x'.repeat(+p)").unwrap();
    let Payload::Text(big) = call(&*iso, "1000000").recv().unwrap().unwrap() else {
        panic!()
    };
    assert_eq!(big.len(), 1_000_000);
}

#[test]
fn thrown_errors_reject_the_call() {
    let iso = isolate();
    eval(
        &*iso,
        "__hoody.onCall = async (p) => { await null; throw new RangeError('bad ' + p) }",
    )
    .unwrap();
    let Err(Failure::Js(e)) = call(&*iso, "input").recv().unwrap() else {
        panic!()
    };
    assert_eq!(
        (e.name.as_str(), e.message.as_str()),
        ("RangeError", "bad input")
    );
    assert!(e.stack.contains("test.js"), "{}", e.stack);
}

#[test]
fn host_requests_round_trip() {
    let iso = isolate();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let weak = Arc::downgrade(&iso);
    let s = seen.clone();
    iso.set_host_handler(Some(Arc::new(move |m: HostMessage| {
        s.lock().unwrap().push((m.id, m.op.clone()));
        if m.id > 0 {
            let iso = weak.upgrade().unwrap();
            match m.op.as_str() {
                "upper" => {
                    let Payload::Text(t) = m.data else { panic!() };
                    iso.resolve(m.id, Payload::Text(t.to_uppercase()))
                }
                "bytes" => iso.resolve(m.id, Payload::Bytes(vec![7; 300_000])),
                _ => iso.reject(m.id, "TypeError", "no such op"),
            }
        }
    })));
    eval(
        &*iso,
        "__hoody.onCall = async () => { __hoody.host.post('log', 'hi');
           const a = await __hoody.host.request('upper', 'abc');
           const b = await __hoody.host.request('bytes', new Uint8Array([1]));
           let c; try { await __hoody.host.request('nope', '') } catch (e) { c = e.name + ':' + e.message }
           return JSON.stringify([a, b.length, b[299999], c]) }",
    )
    .unwrap();
    let r = call(&*iso, "")
        .recv_timeout(Duration::from_secs(10))
        .unwrap()
        .unwrap();
    assert_eq!(
        r,
        Payload::Text(r#"["ABC",300000,7,"TypeError:no such op"]"#.into())
    );
    assert_eq!(seen.lock().unwrap()[0], (0, "log".to_string()));
}

#[test]
fn synchronous_host_operations() {
    let iso = isolate();
    let r = eval(
        &*iso,
        "const h = (b) => Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
         const enc = (s) => new Uint8Array([...s].map(c => c.charCodeAt(0)));
         JSON.stringify([__hoody.host.randomBytes(32).length,
           h(__hoody.host.digest('SHA-256', enc('abc'))),
           h(__hoody.host.hmac('SHA-256', enc('Jefe'), enc('what do ya want for nothing?'))),
           (() => { try { __hoody.host.randomBytes(70000) } catch (e) { return e.name } })()])",
    )
    .unwrap();
    assert_eq!(
        r,
        Primitive::Str(
            r#"[32,"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843","RangeError"]"#
                .into()
        )
    );
}

#[test]
fn terminate_stops_an_infinite_loop_in_a_microtask() {
    let iso = isolate();
    eval(
        &*iso,
        "__hoody.onCall = async () => { await null; for (;;) {} }",
    )
    .unwrap();
    let rx = call(&*iso, "");
    assert!(
        rx.recv_timeout(Duration::from_millis(200)).is_err(),
        "still running"
    );
    let started = Instant::now();
    iso.terminate();
    assert!(matches!(
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        Err(Failure::Terminated)
    ));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(!iso.is_alive());
    assert!(matches!(eval(&*iso, "1"), Err(Failure::Terminated)));
}

#[test]
fn memory_limit_fails_only_that_isolate() {
    let engine = engine();
    let small = engine
        .create_isolate(&IsolateConfig {
            memory_limit: 16 * 1024 * 1024,
            ..IsolateConfig::default()
        })
        .unwrap();
    let other = engine.create_isolate(&IsolateConfig::default()).unwrap();
    eval(&*small, "__hoody.onCall = async () => { await null; const a = []; for (;;) a.push({ x: new Array(100).fill(1) }) }").unwrap();
    let r = call(&*small, "")
        .recv_timeout(Duration::from_secs(30))
        .unwrap();
    assert!(matches!(r, Err(Failure::MemoryLimit { .. })), "{r:?}");
    assert!(!small.is_alive());
    assert_eq!(eval(&*other, "40 + 2").unwrap(), Primitive::Int(42));
}

#[test]
fn source_maps_translate_positions() {
    let iso = isolate();
    // Generated line 1 col 0 -> a.ts line 5 col 0; col 4 -> line 5 col 4.
    let map = r#"{"version":3,"sources":["a.ts"],"names":[],"mappings":"AAIA,IAAI"}"#;
    let (tx, rx) = bounded(1);
    iso.eval(
        "    null.x",
        "bundle.js",
        Some(map),
        Box::new(move |r| drop(tx.send(r))),
    );
    let Err(Failure::Js(e)) = rx.recv().unwrap() else {
        panic!()
    };
    assert_eq!(
        (e.filename.as_deref(), e.line, e.column),
        (Some("a.ts"), Some(5), Some(5))
    );
}

#[test]
fn pool_hands_out_fresh_isolates_with_the_prelude() {
    let prelude = vec![PreludeScript {
        code: "globalThis.preluded = 41;".into(),
        filename: "prelude.js".into(),
        source_map: None,
    }];
    let mut pool = IsolatePool::new(engine(), 2, IsolateConfig::default(), prelude);
    let deadline = Instant::now() + Duration::from_secs(10);
    while pool.ready() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(pool.ready(), 2);
    let a = pool.take().unwrap();
    let b = pool.take().unwrap();
    assert_ne!(a.id(), b.id());
    assert_eq!(
        eval(&*a, "globalThis.preluded += 1").unwrap(),
        Primitive::Int(42)
    );
    assert_eq!(
        eval(&*b, "globalThis.preluded").unwrap(),
        Primitive::Int(41)
    );
    pool.close();
}

#[test]
fn try_take_never_creates() {
    let mut pool = IsolatePool::new(engine(), 1, IsolateConfig::default(), Vec::new());
    let deadline = Instant::now() + Duration::from_secs(10);
    while pool.ready() < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let first = pool.try_take().expect("one is ready");
    assert!(first.is_alive());
    // Right after, the filler is still creating the replacement: nothing ready,
    // and try_take answers None instead of creating one on this thread.
    if let Some(refilled) = pool.try_take() {
        assert!(refilled.is_alive());
    }
    pool.close();
}

fn limited(cpu_ms: u64) -> Arc<dyn JsIsolate> {
    engine()
        .create_isolate(&IsolateConfig {
            cpu_limit: Some(Duration::from_millis(cpu_ms)),
            ..IsolateConfig::default()
        })
        .unwrap()
}

#[test]
fn cpu_limit_ends_a_busy_call_and_spares_a_waiting_one() {
    let busy = limited(200);
    eval(&*busy, "__hoody.onCall = async () => { for (;;) {} }").unwrap();
    let started = Instant::now();
    let r = call(&*busy, "")
        .recv_timeout(Duration::from_secs(20))
        .unwrap();
    let Err(Failure::CpuLimit { limit_ms, used_ms }) = r else {
        panic!("expected the CPU limit, got {r:?}")
    };
    assert_eq!(limit_ms, 200);
    assert!(used_ms >= 200, "{used_ms}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!busy.is_alive());

    // Waiting costs no CPU: a call that awaits for longer than the limit lives on.
    let waiting = limited(100);
    eval(
        &*waiting,
        "const sleep = ms => Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms).value;
         __hoody.onCall = async () => { await sleep(400); return 'late' }",
    )
    .unwrap();
    let r = call(&*waiting, "")
        .recv_timeout(Duration::from_secs(10))
        .unwrap();
    assert_eq!(r.unwrap(), Payload::Text("late".into()));
    assert!(waiting.is_alive());
    assert!(waiting.cpu_time().unwrap() < Duration::from_millis(100));
}

#[test]
fn work_left_after_the_answer_is_ended_and_reported_for_its_call() {
    let iso = limited(200);
    let faults = Arc::new(Mutex::new(Vec::new()));
    let f = faults.clone();
    iso.set_host_handler(Some(Arc::new(move |m: HostMessage| {
        if m.op == FAULT_OP {
            let Payload::Text(t) = m.data else { panic!() };
            f.lock().unwrap().push(t);
        }
    })));
    // The answer goes out; a chain of microtasks keeps the thread busy after it.
    eval(
        &*iso,
        "__hoody.onCall = async (p) => { if (p === 'runaway') { const spin = () => Promise.resolve().then(spin); spin(); } return 'answered ' + p }",
    )
    .unwrap();
    let (tx, rx) = bounded(1);
    iso.call(
        "runaway",
        Some("request-7"),
        Box::new(move |r| drop(tx.send(r))),
    );
    let r = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(r.unwrap(), Payload::Text("answered runaway".into()));
    let deadline = Instant::now() + Duration::from_secs(20);
    while iso.is_alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!iso.is_alive(), "the runaway work was not ended");
    let faults = faults.lock().unwrap().clone();
    assert_eq!(faults.len(), 1, "{faults:?}");
    let report: serde_json::Value = serde_json::from_str(&faults[0]).unwrap();
    assert_eq!(report["label"], "request-7", "{report}");
    assert!(
        report["reason"] == "cpu" || report["reason"] == "memory",
        "{report}"
    );
}

#[test]
fn slow_background_timers_never_add_up_to_the_limit() {
    let iso = limited(50);
    // 10 ms of work every 30 ms for about 1.5 s: far more than 50 ms in total.
    eval(
        &*iso,
        "const sleep = ms => Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms).value;
         (async () => { for (let n = 0; n < 50; n++) { const end = Date.now() + 10; while (Date.now() < end) {} await sleep(30) } })()",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(1800));
    assert!(iso.is_alive());
    assert!(iso.cpu_time().unwrap() > Duration::from_millis(100));
}

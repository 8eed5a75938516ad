//! The engine-thread rule (see `threads.rs`): V8 is initialised on the engine's
//! root thread and every thread that creates or frees isolates descends from it.
//! On a CPU with protection keys breaking the rule crashes the process; on one
//! without, nothing shows, so these tests check the lineage itself and drive
//! creation, termination and freeing from every kind of calling thread.
//!
//! One test only: it must start a thread *before* V8 starts, and V8 starts once
//! per process.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::bounded;
use hoody_engine::pool::PreludeScript;
use hoody_engine::*;

/// Work that fills the heap and the code space: the pattern that faulted on
/// protection-key machines when its isolate was freed on a foreign thread.
const HEAVY: &str =
    "let s = 0; for (let i = 0; i < 3e6; i++) s += i % 7; const a = []; for (let i = 0; i < 200000; i++) a.push({ i }); a.length";

fn run_heavy_and_free(engine: &Arc<dyn JsEngine>, where_: &str) {
    let iso = engine
        .create_isolate(&IsolateConfig::default())
        .unwrap_or_else(|e| panic!("create on {where_}: {e}"));
    let (tx, rx) = bounded(1);
    iso.eval(HEAVY, "heavy.js", None, Box::new(move |r| drop(tx.send(r))));
    let r = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(r.unwrap(), Primitive::Int(200000), "on {where_}");
    drop(iso);
}

fn terminate_busy_loop(engine: &Arc<dyn JsEngine>, where_: &str) {
    let iso = engine.create_isolate(&IsolateConfig::default()).unwrap();
    let (tx, rx) = bounded(1);
    iso.eval(
        &format!("{HEAVY}; for (;;) {{}}"),
        "busy.js",
        None,
        Box::new(move |r| drop(tx.send(r))),
    );
    std::thread::sleep(Duration::from_millis(100));
    iso.terminate();
    let r = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(matches!(r, Err(Failure::Terminated)), "on {where_}: {r:?}");
}

fn take_and_refill(pool: &IsolatePool, where_: &str) {
    for _ in 0..3 {
        let iso = pool
            .take()
            .unwrap_or_else(|e| panic!("take on {where_}: {e}"));
        let (tx, rx) = bounded(1);
        iso.eval(HEAVY, "heavy.js", None, Box::new(move |r| drop(tx.send(r))));
        assert!(rx.recv_timeout(Duration::from_secs(30)).unwrap().is_ok());
        iso.terminate();
    }
}

fn exercise(engine: &Arc<dyn JsEngine>, pool: &IsolatePool, where_: &str) {
    run_heavy_and_free(engine, where_);
    terminate_busy_loop(engine, where_);
    take_and_refill(pool, where_);
}

#[test]
fn isolates_live_and_die_on_engine_threads_only() {
    // A thread that exists before V8 starts (like asyncio's loop or Granian's).
    let (go_tx, go_rx) = bounded::<(Arc<dyn JsEngine>, Arc<IsolatePool>)>(1);
    let (done_tx, done_rx) = bounded(1);
    let early = std::thread::spawn(move || {
        let (engine, pool) = go_rx.recv().unwrap();
        assert!(!threads::is_engine_thread());
        exercise(&engine, &pool, "a thread started before V8");
        done_tx.send(()).unwrap();
    });

    let engine: Arc<dyn JsEngine> = Arc::new(MiniRacerEngine::start(None).unwrap());
    let pool = Arc::new(IsolatePool::new(
        engine.clone(),
        2,
        IsolateConfig::default(),
        vec![PreludeScript {
            code: "globalThis.ready = 1".into(),
            filename: "prelude.js".into(),
            source_map: None,
        }],
    ));

    // The thread that started the engine (like the event loop at start-up).
    assert!(!threads::is_engine_thread());
    exercise(&engine, &pool, "the starting thread");

    go_tx.send((engine.clone(), pool.clone())).unwrap();
    done_rx.recv_timeout(Duration::from_secs(120)).unwrap();
    early.join().unwrap();

    // A thread started after V8 by a non-engine thread (like an executor).
    let (e, p) = (engine.clone(), pool.clone());
    std::thread::spawn(move || exercise(&e, &p, "a thread started after V8"))
        .join()
        .unwrap();

    // An engine thread itself.
    let (e, p) = (engine.clone(), pool.clone());
    let (tx, rx) = bounded(1);
    threads::spawn("hoody-test", move || {
        assert!(threads::is_engine_thread());
        exercise(&e, &p, "an engine thread");
        tx.send(()).unwrap();
    })
    .unwrap();
    rx.recv_timeout(Duration::from_secs(120)).unwrap();

    // Everything was freed (by the reaper, an engine thread).
    drop(pool);
    let deadline = Instant::now() + Duration::from_secs(20);
    while engine.live_isolates() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(engine.live_isolates(), 0);

    // The lineage: the root first, every other engine thread spawned by it,
    // and each with the root's protection keys.
    let records = threads::records();
    let (root_tid, root_pkru) = threads::root().unwrap();
    assert_eq!(records[0].name, threads::ROOT_NAME);
    assert_eq!(records[0].tid, root_tid);
    let names: Vec<&str> = records.iter().map(|r| r.name.as_str()).collect();
    for expected in [
        "hoody-pool",
        "hoody-create",
        "hoody-reaper",
        "hoody-watchdog",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for r in &records[1..] {
        assert_eq!(r.parent_tid, root_tid, "{r:?} was not spawned by the root");
        assert_eq!(r.pkru, root_pkru, "{r:?}");
    }
    assert_eq!(root_pkru.is_some(), threads::has_pku());
    assert_eq!(threads::violation(), None);
}

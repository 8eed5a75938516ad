//! `cargo test --release -p hoody_engine --test creation_cost -- --ignored --nocapture`
//! Where isolate creation time goes (a measurement, not a test of behaviour).

use std::time::Instant;

use hoody_engine::*;

extern "C" fn ignore(_: u64, _: *mut hoody_engine::ffi::ValueHandle) {}

#[test]
#[ignore]
fn creation_cost() {
    // NOTE: raw contexts are made and freed on an engine thread (see threads.rs).
    MiniRacerEngine::start(None).unwrap();
    threads::on_engine(|| {
        measure();
        Ok(())
    })
    .unwrap();
}

fn measure() {
    let engine = MiniRacerEngine::start(None).unwrap();
    let api = hoody_engine::runtime::start(None).unwrap();
    let n = 200;
    // Raw: a libmini_racer context (isolate + context + pump thread) and its free.
    let t = Instant::now();
    let mut ctxs = Vec::new();
    for _ in 0..n {
        ctxs.push(unsafe { (api.init_context)(ignore) });
    }
    let raw_create = t.elapsed() / n;
    let t = Instant::now();
    for c in ctxs {
        unsafe { (api.free_context)(c) };
    }
    let raw_free = t.elapsed() / n;
    // Ours: context + bootstrap (mailbox, host function, dispatch handles).
    let t = Instant::now();
    let mut isolates = Vec::new();
    for _ in 0..n {
        isolates.push(engine.create_isolate(&IsolateConfig::default()).unwrap());
    }
    let ours = t.elapsed() / n;
    drop(isolates);
    println!("raw init_context {raw_create:?}  raw free {raw_free:?}  create_isolate {ours:?}");
}

//! `cargo run --release -p hoody_ts --example tptime -- FILE`: transpile time per file.
fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let src = std::fs::read_to_string(&path).expect("readable");
    for _ in 0..200 {
        hoody_ts::transpile(&src, "m.ts").expect("valid");
    }
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        hoody_ts::transpile(&src, "m.ts").expect("valid");
    }
    println!("transpile: {:?} per file", t.elapsed() / n);
}

//! Prints the transpiled form of a file, or bundles it: `tp FILE` / `tp --bundle ROOT ENTRY`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args[1] == "--bundle" {
        match hoody_ts::bundle(
            std::path::Path::new(&args[2]),
            &args[3],
            &Default::default(),
        ) {
            Ok(b) => println!(
                "{}\n//MAP {}\n// style {:?} modules {:?}",
                b.code, b.map, b.style, b.modules
            ),
            Err(e) => println!("ERR {e}"),
        }
        return;
    }
    let src = std::fs::read_to_string(&args[1]).unwrap();
    match hoody_ts::transpile(&src, &args[1]) {
        Ok(t) => println!("{}\n//MAP {}\n// imports {:?}", t.code, t.map(), t.imports),
        Err(e) => println!("ERR {e}"),
    }
}

//! Compiles our own `.proto` files with protox (pure Rust), so no system `protoc` is needed.

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from("protos");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("protos/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "proto"))
        .collect();
    files.sort();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    println!("cargo:rerun-if-changed=build.rs");
    let fds = protox::compile(&files, [&dir]).expect("our .proto files compile");
    let mut config = prost_build::Config::new();
    // Recursive messages (Message <-> ContextInfo.quotedMessage) need boxing; prost boxes
    // directly recursive fields itself, the indirect ones are listed here.
    config.boxed(".wa.ContextInfo.quotedMessage");
    config.boxed(".wa.FutureProofMessage.message");
    config.boxed(".wa.DeviceSentMessage.message");
    config.boxed(".wa.ProtocolMessage.editedMessage");
    config
        .compile_fds(fds)
        .expect("prost code generation succeeds");
}

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
    // Recursive messages (Message <-> ContextInfo.quotedMessage) need boxing. prost-build boxes
    // every field that lies on a cycle by itself (so `Message.extendedTextMessage` and every
    // `contextInfo` are `Option<Box<_>>` too); the fields that close the cycles back to
    // `Message` are listed explicitly so they stay boxed whatever prost's heuristic does.
    config.boxed(".wa.ContextInfo.quotedMessage");
    config.boxed(".wa.FutureProofMessage.message");
    config.boxed(".wa.DeviceSentMessage.message");
    config.boxed(".wa.ProtocolMessage.editedMessage");
    config.boxed(".wa.WebMessageInfo.message");
    config.boxed(
        ".wa.PeerDataOperationRequestResponseMessage.PeerDataOperationResult.stickerMessage",
    );
    config
        .compile_fds(fds)
        .expect("prost code generation succeeds");
}

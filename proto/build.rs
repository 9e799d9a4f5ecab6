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
    write_message_fields(&fds);
    config
        .compile_fds(fds)
        .expect("prost code generation succeeds");
}

/// Writes the field numbers of `wa.Message` (all, and those that wrap a `FutureProofMessage`)
/// as Rust arrays, so the scan for content we do not model can never drift from the schema.
fn write_message_fields(fds: &protox::prost_reflect::prost_types::FileDescriptorSet) {
    let message = fds
        .file
        .iter()
        .filter(|f| f.package() == "wa")
        .flat_map(|f| f.message_type.iter())
        .find(|m| m.name() == "Message")
        .expect("wa.Message is defined");
    let mut all: Vec<i32> = message.field.iter().map(|f| f.number()).collect();
    let mut wrappers: Vec<i32> = message
        .field
        .iter()
        .filter(|f| f.type_name() == ".wa.FutureProofMessage")
        .map(|f| f.number())
        .collect();
    all.sort_unstable();
    wrappers.sort_unstable();
    let list = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
    let text = format!(
        "/// Every top-level field number of `wa.Message` in our schema, ascending.\n\
         pub const MESSAGE_FIELDS: &[u32] = &[{}];\n\
         /// The `wa.Message` fields holding a `FutureProofMessage` wrapper, ascending.\n\
         pub const FUTURE_PROOF_FIELDS: &[u32] = &[{}];\n",
        list(&all),
        list(&wrappers)
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("message_fields.rs"), text).expect("OUT_DIR is writable");
}

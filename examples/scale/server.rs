//! The fake server's side of the scale run, in a second process so only the client side is
//! measured. It speaks a line protocol on stdio: first it prints `URL TRUST_ROOT_HEX`; then for
//! every `NOISE_KEY_HEX` line it reads it provisions that device and answers `JID LID`. It
//! exits when its stdin closes (the measuring process ended).

use std::io::{BufRead, Write};

use wa_actors::protocol::crypto::PublicKey;
use wa_testkit::FakeServer;

/// Runs the server until stdin closes.
pub fn serve() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let server = rt.block_on(FakeServer::start()).expect("fake server");
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} {}",
        server.url(),
        hex::encode(server.trust_root().as_bytes())
    )
    .expect("stdout");
    out.flush().expect("stdout");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Some(key) = parse_key(line.trim()) else {
            eprintln!("testkit server: bad noise key line {line:?}");
            break;
        };
        let given = server.provision(key, None);
        writeln!(out, "{} {}", given.jid, given.lid).expect("stdout");
        out.flush().expect("stdout");
    }
    drop(server);
    rt.shutdown_background();
}

fn parse_key(text: &str) -> Option<PublicKey> {
    let bytes: [u8; 32] = hex::decode(text).ok()?.try_into().ok()?;
    Some(PublicKey(bytes))
}

//! Parses arbitrary bytes as every Signal wire message (`msg`, `pkmsg`, `skmsg`, SKDM): must
//! never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::signal::{
    PreKeyWhisperMessage, SenderKeyDistributionMessage, SenderKeyMessage, WhisperMessage,
};

fuzz_target!(|data: &[u8]| {
    let _ = WhisperMessage::parse(data);
    let _ = PreKeyWhisperMessage::parse(data);
    let _ = SenderKeyMessage::parse(data);
    if let Ok(skdm) = SenderKeyDistributionMessage::parse(data) {
        // What parses must re-serialize and parse to the same value.
        let again = SenderKeyDistributionMessage::parse(&skdm.serialize());
        assert_eq!(again.ok(), Some(skdm));
    }
});

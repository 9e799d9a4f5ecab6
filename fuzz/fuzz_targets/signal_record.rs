//! Loads arbitrary bytes as every stored Signal record: must never panic, and what loads must
//! store back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::signal::{SenderKeyRecord, SessionRecord};

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = SessionRecord::from_bytes(data) {
        assert_eq!(record.to_bytes(), data);
    }
    if let Ok(record) = SenderKeyRecord::from_bytes(data) {
        assert_eq!(record.to_bytes(), data);
    }
});

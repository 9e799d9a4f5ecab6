//! A companion's `<device-identity>` (the statement attached to its `pkmsg`s) on arbitrary
//! bytes, with and without a known primary: `Ok` or a typed error, never a panic. The
//! signature checks run on whatever decodes, so a forged statement reaches them.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::crypto::PublicKey;
use wa_protocol::message::device_identity::check_device_identity;

fuzz_target!(|data: &[u8]| {
    let sender = PublicKey([9; 32]);
    let primary = PublicKey([7; 32]);
    let _ = check_device_identity(data, &sender, None);
    let _ = check_device_identity(data, &sender, Some(&primary));
});

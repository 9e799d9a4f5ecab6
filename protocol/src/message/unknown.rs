//! Finding content we do not model. prost skips fields it has no definition for, so a message
//! of a kind newer than our schema would decode as empty and vanish; this wire-format scan of
//! the raw bytes names the top-level `Message` fields outside the schema instead.

use bytes::Bytes;
use wa_protobuf::message_fields::{FUTURE_PROOF_FIELDS, MESSAGE_FIELDS};

/// `deviceSentMessage`: its field 2 is the `Message` sent from our other device.
const DEVICE_SENT_FIELD: u32 = 31;
/// `DeviceSentMessage.message`.
const DEVICE_SENT_INNER: u32 = 2;
/// `FutureProofMessage.message`.
const FUTURE_PROOF_INNER: u32 = 1;
/// How many wrappers deep the scan looks (view-once inside ephemeral inside device-sent is
/// three); deeper nesting is not sent by real clients, and the bound caps the cost at
/// `MAX_DEPTH` passes over the bytes whatever an attacker nests.
const MAX_DEPTH: usize = 4;
/// At most this many distinct unknown field numbers are reported; the raw bytes hold the rest.
const MAX_REPORTED: usize = 16;
/// Fields that ride along with content but are none: the sender-key distribution messages
/// (2, 15) and `messageContextInfo` (35).
const CARRIERS: [u32; 3] = [2, 15, 35];

/// Content of a decrypted `Message` that our schema does not model.
#[derive(Clone, PartialEq, Eq)]
pub struct UnknownContent {
    /// The unknown top-level field numbers (also inside wrappers such as `ephemeralMessage`),
    /// ascending, at most 16 of them.
    pub fields: Vec<u32>,
    /// The unpadded `Message` protobuf as received, so a caller can decode it with a newer
    /// schema.
    pub raw: Bytes,
    /// True when the message also holds content we model (beyond wrappers, context info and
    /// sender-key distribution), so the decoded `Message` is worth delivering too.
    pub has_modelled_content: bool,
}

impl std::fmt::Debug for UnknownContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The raw message may hold `messageContextInfo.messageSecret`: print its length only.
        f.debug_struct("UnknownContent")
            .field("fields", &self.fields)
            .field("raw_len", &self.raw.len())
            .field("has_modelled_content", &self.has_modelled_content)
            .finish()
    }
}

/// What one scan found.
#[derive(Default)]
struct Scan {
    unknown: Vec<u32>,
    modelled_content: bool,
}

/// Scans `bytes` (a `Message` protobuf) for top-level fields outside our schema, looking
/// through `FutureProofMessage` wrappers and `deviceSentMessage`. `None` when every field is
/// one we model. Malformed input ends the scan where it breaks; this never panics.
pub fn find_unknown(bytes: &[u8]) -> Option<UnknownContent> {
    let mut scan = Scan::default();
    scan_message(bytes, 0, &mut scan);
    if scan.unknown.is_empty() {
        return None;
    }
    scan.unknown.sort_unstable();
    Some(UnknownContent {
        fields: scan.unknown,
        raw: Bytes::copy_from_slice(bytes),
        has_modelled_content: scan.modelled_content,
    })
}

fn scan_message(bytes: &[u8], depth: usize, scan: &mut Scan) {
    for (number, value) in WireFields::new(bytes) {
        if MESSAGE_FIELDS.binary_search(&number).is_err() {
            if scan.unknown.len() < MAX_REPORTED && !scan.unknown.contains(&number) {
                scan.unknown.push(number);
            }
            continue;
        }
        let inner_field = if FUTURE_PROOF_FIELDS.binary_search(&number).is_ok() {
            FUTURE_PROOF_INNER
        } else if number == DEVICE_SENT_FIELD {
            DEVICE_SENT_INNER
        } else {
            scan.modelled_content |= !CARRIERS.contains(&number);
            continue;
        };
        match value {
            // Too deep to look into: count it as content rather than hide it.
            WireValue::Bytes(_) if depth + 1 >= MAX_DEPTH => scan.modelled_content = true,
            WireValue::Bytes(wrapper) => {
                for (n, v) in WireFields::new(wrapper) {
                    if let (true, WireValue::Bytes(inner)) = (n == inner_field, v) {
                        scan_message(inner, depth + 1, scan);
                    }
                }
            }
            WireValue::Scalar => {}
        }
    }
}

/// The payload of one field; only length-delimited payloads are looked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WireValue<'a> {
    /// Varint, fixed32 or fixed64: skipped.
    Scalar,
    /// A length-delimited payload.
    Bytes(&'a [u8]),
}

/// Iterates the (field number, payload) pairs of one protobuf message. Stops at the first
/// malformed field (bad varint, payload past the end, groups, field number 0).
struct WireFields<'a> {
    rest: &'a [u8],
}

impl<'a> WireFields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    fn next_field(&mut self) -> Option<(u32, WireValue<'a>)> {
        let key = read_varint(&mut self.rest)?;
        let number = u32::try_from(key >> 3).ok().filter(|n| *n != 0)?;
        let value = match key & 7 {
            0 => read_varint(&mut self.rest).map(|_| WireValue::Scalar)?,
            1 => self.take(8).map(|_| WireValue::Scalar)?,
            2 => {
                let len = usize::try_from(read_varint(&mut self.rest)?).ok()?;
                WireValue::Bytes(self.take(len)?)
            }
            5 => self.take(4).map(|_| WireValue::Scalar)?,
            // Groups (3, 4) are not used by WhatsApp's schema; 6 and 7 are invalid.
            _ => return None,
        };
        Some((number, value))
    }
}

impl<'a> Iterator for WireFields<'a> {
    type Item = (u32, WireValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.next_field();
        if item.is_none() {
            self.rest = &[];
        }
        item
    }
}

/// Reads a base-128 varint of at most 10 bytes, advancing `bytes`.
fn read_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            *bytes = &bytes[i + 1..];
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use prost::Message as _;
    use wa_protobuf::wa;

    /// `field` as a length-delimited field with `payload`.
    fn ld(field: u32, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        prost::encoding::encode_key(field, prost::encoding::WireType::LengthDelimited, &mut out);
        prost::encoding::encode_varint(payload.len() as u64, &mut out);
        out.extend_from_slice(payload);
        out
    }

    fn text(t: &str) -> Vec<u8> {
        wa::Message {
            conversation: Some(t.into()),
            ..Default::default()
        }
        .encode_to_vec()
    }

    #[test]
    fn modelled_messages_have_nothing_unknown() {
        assert_eq!(find_unknown(&text("hi")), None);
        let poll = wa::Message {
            poll_creation_message_v3: Some(Box::new(wa::PollCreationMessage {
                name: Some("lunch?".into()),
                ..Default::default()
            })),
            event_message: Some(Box::new(wa::EventMessage {
                name: Some("party".into()),
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(find_unknown(&poll.encode_to_vec()), None);
        assert_eq!(find_unknown(&[]), None);
    }

    #[test]
    fn unknown_top_level_field_is_named_with_the_raw_bytes() {
        let mut raw = text("hi");
        raw.extend(ld(9999, b"future"));
        raw.extend(ld(5000, b"x"));
        raw.extend(ld(9999, b"again"));
        let u = find_unknown(&raw).expect("unknown content");
        assert_eq!(u.fields, vec![5000, 9999]);
        assert!(u.has_modelled_content, "the text is modelled");
        assert_eq!(u.raw, Bytes::from(raw));
        // With only carriers beside it, nothing modelled is left to deliver.
        let mut alone = ld(35, b"");
        alone.extend(ld(2, b""));
        alone.extend(ld(9999, b"future"));
        assert!(!find_unknown(&alone).unwrap().has_modelled_content);
    }

    #[test]
    fn looks_through_wrappers() {
        // ephemeralMessage (40) { message (1) { 9999 } } inside deviceSentMessage (31) { 2 }.
        let inner = ld(9999, b"new kind");
        let ephemeral = ld(40, &ld(FUTURE_PROOF_INNER, &inner));
        let dsm = ld(DEVICE_SENT_FIELD, &ld(DEVICE_SENT_INNER, &ephemeral));
        let u = find_unknown(&dsm).unwrap();
        assert_eq!(u.fields, vec![9999]);
        assert!(!u.has_modelled_content, "wrappers alone are no content");
        let mut with_text = text("hi");
        with_text.extend(ld(9999, b"x"));
        let wrapped = ld(40, &ld(FUTURE_PROOF_INNER, &with_text));
        assert!(find_unknown(&wrapped).unwrap().has_modelled_content);
        // The same bytes under a field of the wrapper that is not its message are not looked
        // into (they are not a `Message`).
        let elsewhere = ld(40, &ld(7, &inner));
        assert_eq!(find_unknown(&elsewhere), None);
    }

    #[test]
    fn nesting_deeper_than_the_bound_is_not_scanned() {
        let mut m = ld(9999, b"x");
        for _ in 0..MAX_DEPTH {
            m = ld(40, &ld(FUTURE_PROOF_INNER, &m));
        }
        assert_eq!(find_unknown(&m), None);
        // An unscanned wrapper counts as content, beside an unknown field at the top.
        m.extend(ld(9999, b"y"));
        assert!(find_unknown(&m).unwrap().has_modelled_content);
        let mut shallow = ld(9999, b"x");
        for _ in 0..MAX_DEPTH - 1 {
            shallow = ld(40, &ld(FUTURE_PROOF_INNER, &shallow));
        }
        assert_eq!(find_unknown(&shallow).unwrap().fields, vec![9999]);
    }

    #[test]
    fn debug_prints_no_raw_bytes() {
        let mut raw = ld(35, &ld(3, &[0xab; 32]));
        raw.extend(ld(9999, b""));
        let shown = format!("{:?}", find_unknown(&raw).unwrap());
        let len = format!("raw_len: {}", raw.len());
        assert!(shown.contains(&len) && shown.contains("9999"), "{shown}");
        assert!(!shown.contains("171") && !shown.contains("xab"), "{shown}");
    }

    #[test]
    fn reports_at_most_sixteen_numbers() {
        let raw: Vec<u8> = (2000..2100).flat_map(|n| ld(n, b"")).collect();
        assert_eq!(find_unknown(&raw).unwrap().fields.len(), MAX_REPORTED);
    }

    #[test]
    fn malformed_input_stops_the_scan() {
        // Field 9999 then a length running past the end: the first field still counts.
        let mut raw = ld(9999, b"ok");
        raw.extend([0x0a, 0x7f, 1, 2]);
        assert_eq!(find_unknown(&raw).unwrap().fields, vec![9999]);
        // A varint of eleven continuation bytes, field number 0, a group.
        assert_eq!(find_unknown(&[0xff; 11]), None);
        assert_eq!(find_unknown(&[0x00, 0x01]), None);
        assert_eq!(find_unknown(&[0x0b]), None);
    }

    #[test]
    fn schema_lists_are_sorted_and_cover_the_wrappers() {
        assert!(MESSAGE_FIELDS.windows(2).all(|w| w[0] < w[1]));
        assert!(FUTURE_PROOF_FIELDS.windows(2).all(|w| w[0] < w[1]));
        assert!(FUTURE_PROOF_FIELDS
            .iter()
            .all(|f| MESSAGE_FIELDS.contains(f)));
        // whatsmeow's waE2E as transcribed: 1..=131 with gaps, ptv (66) and album (83) in.
        assert!(MESSAGE_FIELDS.contains(&66) && MESSAGE_FIELDS.contains(&83));
        assert_eq!(MESSAGE_FIELDS.last(), Some(&131));
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Some(u) = find_unknown(&data) {
                prop_assert!(!u.fields.is_empty() && u.fields.len() <= MAX_REPORTED);
                prop_assert!(u.fields.iter().all(|f| !MESSAGE_FIELDS.contains(f)));
            }
        }
    }
}

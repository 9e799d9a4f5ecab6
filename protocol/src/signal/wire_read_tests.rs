//! The in-place protobuf reader against `prost` on the same bytes: random bytes, and messages
//! built from random fields (known and unknown numbers, every wire type, nested groups, repeats,
//! wrong wire types, over-long and truncated varints).

use proptest::prelude::*;
use prost::Message as _;
use wa_protobuf::signal as pb;

use super::wire_read::{read, Kind, Value};

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// One field as (number, wire type, payload bytes or varint, nested fields for a group).
#[derive(Clone, Debug)]
enum Field {
    Varint(u64, u64),
    Fixed64(u64),
    Bytes(u64, Vec<u8>),
    Fixed32(u64),
    Group(u64, Vec<Field>, bool),
    /// Raw bytes, possibly nonsense (a lone end-group, a bad wire type, an 11-byte varint).
    Raw(Vec<u8>),
}

fn encode(fields: &[Field], out: &mut Vec<u8>) {
    for f in fields {
        match f {
            Field::Varint(n, v) => {
                varint(n << 3, out);
                varint(*v, out);
            }
            Field::Fixed64(n) => {
                varint((n << 3) | 1, out);
                out.extend_from_slice(&[7; 8]);
            }
            Field::Bytes(n, b) => {
                varint((n << 3) | 2, out);
                varint(b.len() as u64, out);
                out.extend_from_slice(b);
            }
            Field::Fixed32(n) => {
                varint((n << 3) | 5, out);
                out.extend_from_slice(&[3; 4]);
            }
            Field::Group(n, inner, matching_end) => {
                varint((n << 3) | 3, out);
                encode(inner, out);
                let end = if *matching_end { *n } else { n + 1 };
                varint((end << 3) | 4, out);
            }
            Field::Raw(b) => out.extend_from_slice(b),
        }
    }
}

fn field() -> impl Strategy<Value = Field> {
    let number = 0..7u64;
    let leaf = prop_oneof![
        (number.clone(), any::<u64>()).prop_map(|(n, v)| Field::Varint(n, v)),
        (number.clone(), 0..5u64).prop_map(|(n, v)| Field::Varint(n, v)),
        number.clone().prop_map(Field::Fixed64),
        (
            number.clone(),
            proptest::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(n, b)| Field::Bytes(n, b)),
        (number.clone(), Just(vec![5; 33])).prop_map(|(n, b)| Field::Bytes(n, b)),
        number.clone().prop_map(Field::Fixed32),
        proptest::collection::vec(any::<u8>(), 1..12).prop_map(Field::Raw),
        Just(Field::Raw(vec![0xff; 10])),
        Just(Field::Raw(vec![
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x10
        ])),
        Just(Field::Raw(vec![0x0c])),
    ];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        (
            0..7u64,
            proptest::collection::vec(inner, 0..4),
            proptest::bool::weighted(0.9),
        )
            .prop_map(|(n, f, m)| Field::Group(n, f, m))
    })
}

fn message() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(field(), 0..8).prop_map(|fields| {
        let mut out = Vec::new();
        encode(&fields, &mut out);
        out
    })
}

fn check_signal_message(bytes: &[u8]) {
    let ours = read(
        bytes,
        [
            (1, Kind::Bytes),
            (2, Kind::Uint32),
            (3, Kind::Uint32),
            (4, Kind::Bytes),
        ],
    );
    match (ours, pb::SignalMessage::decode(bytes)) {
        (Ok([rk, counter, previous, ct]), Ok(m)) => {
            let slice = |v: Option<Value>| Value::bytes(v).map(|r| bytes[r].to_vec());
            assert_eq!(slice(rk), m.ratchet_key);
            assert_eq!(Value::uint32(counter), m.counter);
            assert_eq!(Value::uint32(previous), m.previous_counter);
            assert_eq!(slice(ct), m.ciphertext);
        }
        (Err(_), Err(_)) => {}
        (ours, prost) => panic!("ours {ours:?}, prost {prost:?} on {bytes:02x?}"),
    }
}

fn check_sender_key_message(bytes: &[u8]) {
    let ours = read(
        bytes,
        [(1, Kind::Uint32), (2, Kind::Uint32), (3, Kind::Bytes)],
    );
    match (ours, pb::SenderKeyMessage::decode(bytes)) {
        (Ok([id, iteration, ct]), Ok(m)) => {
            assert_eq!(Value::uint32(id), m.id);
            assert_eq!(Value::uint32(iteration), m.iteration);
            assert_eq!(Value::bytes(ct).map(|r| bytes[r].to_vec()), m.ciphertext);
        }
        (Err(_), Err(_)) => {}
        (ours, prost) => panic!("ours {ours:?}, prost {prost:?} on {bytes:02x?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_read_as_prost_reads_them(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
        check_signal_message(&bytes);
        check_sender_key_message(&bytes);
    }

    #[test]
    fn built_messages_read_as_prost_reads_them(bytes in message()) {
        check_signal_message(&bytes);
        check_sender_key_message(&bytes);
    }
}

#[test]
fn deep_groups_and_edge_varints_read_as_prost_reads_them() {
    for depth in [1usize, 99, 100, 101, 150] {
        let mut bytes = Vec::new();
        for _ in 0..depth {
            varint((5 << 3) | 3, &mut bytes);
        }
        for _ in 0..depth {
            varint((5 << 3) | 4, &mut bytes);
        }
        check_signal_message(&bytes);
    }
    // A counter of 2^32 + 7 (prost keeps the low bits), the tenth varint byte at 1 and at 2.
    let mut bytes = vec![0x10];
    varint((1 << 32) + 7, &mut bytes);
    check_signal_message(&bytes);
    let ten = |last: u8| {
        let mut b = vec![0x10];
        b.extend_from_slice(&[0xff; 9]);
        b.push(last);
        b
    };
    check_signal_message(&ten(1));
    check_signal_message(&ten(2));
    // A key above u32::MAX.
    let mut bytes = Vec::new();
    varint(u64::from(u32::MAX) + 1, &mut bytes);
    bytes.push(0);
    check_signal_message(&bytes);
}

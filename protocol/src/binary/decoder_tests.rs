//! Unit tests of the decoder: every content kind, JIDs, typed errors with offsets, hostile
//! sizes and depth.

use super::*;

fn dec(h: &str) -> Result<Node, DecodeError> {
    decode(&hex::decode(h.replace(' ', "")).unwrap())
}

#[test]
fn decodes_attrs_and_content_kinds() {
    let n = dec("f806 1d 51 45 04 4d fc02 0102").unwrap();
    assert_eq!(n.tag, "enc");
    assert_eq!(n.attr_str("v").as_deref(), Some("2"));
    assert_eq!(n.attr_str("type").as_deref(), Some("msg"));
    assert_eq!(n.bytes(), Some(&[1u8, 2][..]));
    let n = dec("f802 1f 88").unwrap();
    assert_eq!(n.string(), Some("available"));
    assert!(matches!(n.tag, Cow::Borrowed(_)), "tokens do not allocate");
    let n = dec("f802 71 00").unwrap();
    assert_eq!(n.content, Content::Nodes(vec![]));
    let n = dec("f801 71").unwrap();
    assert_eq!(n.content, Content::None);
}

#[test]
fn decodes_jids() {
    let n = dec("f803 07 06 f7 0103 ff8615551234567f").unwrap();
    assert_eq!(
        n.attr("from").and_then(AttrValue::as_jid),
        Some(&Jid::lid("15551234567").with_device(3))
    );
    let n = dec("f803 07 06 f7 0503 ff811f").unwrap();
    assert_eq!(n.attr_str("from").as_deref(), Some("1.5:3@s.whatsapp.net"));
    let n = dec("f803 07 06 fa 00 03").unwrap();
    assert_eq!(n.attr_jid("from"), Some(Jid::server_jid()));
    let n = dec("f802 07 fa ff811f 03").unwrap();
    assert_eq!(n.string(), Some("1@s.whatsapp.net"));
    let n = dec("f803 07 06 f5 ff811f 0002 0007 fc07696e7465726f70").unwrap();
    assert_eq!(n.attr_str("from").as_deref(), Some("7-1:2@interop"));
}

#[test]
fn errors_say_what_and_where() {
    assert_eq!(
        dec(""),
        Err(DecodeError::UnexpectedEof {
            offset: 0,
            needed: 1
        })
    );
    assert_eq!(
        dec("f8"),
        Err(DecodeError::UnexpectedEof {
            offset: 1,
            needed: 1
        })
    );
    assert_eq!(dec("f800"), Err(DecodeError::BadListSize { offset: 0 }));
    assert_eq!(dec("00"), Err(DecodeError::BadListSize { offset: 0 }));
    assert!(matches!(
        dec("19"),
        Err(DecodeError::InvalidTag {
            offset: 0,
            tag: 0x19,
            ..
        })
    ));
    assert!(matches!(
        dec("f801 f0"),
        Err(DecodeError::InvalidTag {
            offset: 2,
            tag: 0xf0,
            ..
        })
    ));
    assert_eq!(dec("f801 fc00"), Err(DecodeError::EmptyTag { offset: 2 }));
    assert_eq!(dec("f801 fc01ff"), Err(DecodeError::BadUtf8 { offset: 4 }));
    assert_eq!(
        dec("f801 ff01c0"),
        Err(DecodeError::InvalidNibble {
            offset: 4,
            nibble: 0xc
        })
    );
    assert_eq!(
        dec("f801 ff80"),
        Err(DecodeError::BadPackedHeader { offset: 3 })
    );
    assert_eq!(
        dec("f801 fc05 6162"),
        Err(DecodeError::UnexpectedEof {
            offset: 4,
            needed: 3
        })
    );
    assert_eq!(
        dec("f801 19 00"),
        Err(DecodeError::TrailingBytes {
            offset: 3,
            remaining: 1
        })
    );
    assert!(matches!(
        dec("f803 19 06 fa 19 00"),
        Err(DecodeError::InvalidJid { offset: 4, .. })
    ));
    assert!(matches!(
        dec("f803 19 06 f6 19 0001 03"),
        Err(DecodeError::InvalidJid { .. })
    ));
    assert!(matches!(
        dec("f803 19 06 fa fa0003 03"),
        Err(DecodeError::InvalidTag { offset: 5, .. })
    ));
    assert!(matches!(
        dec("f801 fe ffffffff"),
        Err(DecodeError::UnexpectedEof { offset: 7, .. })
    ));
}

#[test]
fn hostile_list_sizes_do_not_preallocate() {
    // LIST_16 claiming 65535 children, then nothing.
    let err = dec("f802 19 f9ffff f80119").unwrap_err();
    assert_eq!(
        err,
        DecodeError::UnexpectedEof {
            offset: 9,
            needed: 1
        }
    );
}

#[test]
fn depth_is_bounded() {
    let mut bytes = Vec::new();
    for _ in 0..=MAX_DEPTH + 1 {
        bytes.extend_from_slice(&[LIST_8, 2, 0x19, LIST_8, 1]);
    }
    bytes.extend_from_slice(&[LIST_8, 1, 0x19]);
    assert!(matches!(
        decode(&bytes),
        Err(DecodeError::TooDeep { max: MAX_DEPTH, .. })
    ));
}

#[test]
fn odd_packed_drops_the_padding() {
    let n = dec("f803 19 08 fb833eb0af").unwrap();
    assert_eq!(n.attr_str("id").as_deref(), Some("3EB0A"));
    let n = dec("f803 19 08 ff0115").unwrap();
    assert_eq!(n.attr_str("id").as_deref(), Some("15"));
}

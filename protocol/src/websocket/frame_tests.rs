use super::*;

/// An unmasked frame as a server writes it.
fn server_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n if n <= 0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

/// Feeds `wire` in chunks of `chunk` bytes and collects every item.
fn read_all(wire: &[u8], chunk: usize) -> Result<Vec<Incoming>, FrameError> {
    let mut reader = FrameReader::new(&[]);
    let mut items = Vec::new();
    for piece in wire.chunks(chunk) {
        reader.read_target().extend_from_slice(piece);
        while let Some(item) = reader.next_item()? {
            items.push(item);
        }
    }
    Ok(items)
}

#[test]
fn binary_messages_come_out_whole_however_the_bytes_arrive() {
    let mut wire = server_frame(true, OP_BINARY, b"hello");
    wire.extend(server_frame(true, OP_BINARY, &[7u8; 300]));
    for chunk in [1, 2, 3, 7, 64, 4096] {
        let items = read_all(&wire, chunk).unwrap();
        assert_eq!(
            items,
            vec![
                Incoming::Binary(Bytes::from_static(b"hello")),
                Incoming::Binary(Bytes::from(vec![7u8; 300])),
            ],
            "chunk {chunk}"
        );
    }
}

#[test]
fn a_large_message_leaves_no_large_buffer_behind() {
    let big: Vec<u8> = (0..40 * 1024).map(|i| i as u8).collect();
    let mut wire = server_frame(true, OP_BINARY, &big);
    wire.extend(server_frame(true, OP_BINARY, b"after"));
    let mut reader = FrameReader::new(&[]);
    let mut items = Vec::new();
    for piece in wire.chunks(1500) {
        reader.read_target().extend_from_slice(piece);
        while let Some(item) = reader.next_item().unwrap() {
            items.push(item);
        }
    }
    assert_eq!(items[0], Incoming::Binary(Bytes::from(big)));
    assert_eq!(items[1], Incoming::Binary(Bytes::from_static(b"after")));
    drop(items);
    reader.read_target();
    assert!(
        reader.buf.capacity() <= 2 * KEEP_BUFFER,
        "read buffer grew to {}",
        reader.buf.capacity()
    );
}

#[test]
fn fragments_join_and_control_frames_may_come_between() {
    let mut wire = server_frame(false, OP_BINARY, b"ab");
    wire.extend(server_frame(true, OP_PING, b"p"));
    wire.extend(server_frame(false, OP_CONTINUATION, b"cd"));
    wire.extend(server_frame(true, OP_PONG, b""));
    wire.extend(server_frame(true, OP_CONTINUATION, b"ef"));
    let items = read_all(&wire, 3).unwrap();
    assert_eq!(
        items,
        vec![
            Incoming::Ping(Bytes::from_static(b"p")),
            Incoming::Binary(Bytes::from_static(b"abcdef")),
        ]
    );
}

#[test]
fn text_is_read_past_and_close_is_reported() {
    let mut wire = server_frame(true, OP_TEXT, b"ignored");
    wire.extend(server_frame(false, OP_TEXT, b"also"));
    wire.extend(server_frame(true, OP_CONTINUATION, b" ignored"));
    wire.extend(server_frame(true, OP_CLOSE, &1000u16.to_be_bytes()));
    let items = read_all(&wire, 5).unwrap();
    assert_eq!(
        items,
        vec![Incoming::Close(Bytes::from_static(&[0x03, 0xE8]))]
    );
}

#[test]
fn protocol_violations_are_refused_by_kind() {
    let cases: Vec<(Vec<u8>, FrameError)> = vec![
        (vec![0x82 | 0x40, 0x00], FrameError::ReservedBits),
        (vec![0x82, 0x80, 1, 2, 3, 4], FrameError::Masked),
        (vec![0x83, 0x00], FrameError::UnknownOpcode(3)),
        (
            server_frame(true, OP_PING, &[0u8; 126]),
            FrameError::BadControl,
        ),
        (server_frame(false, OP_PING, b""), FrameError::BadControl),
        (
            server_frame(true, OP_CONTINUATION, b"x"),
            FrameError::BadFragment,
        ),
        (
            [
                server_frame(false, OP_BINARY, b"a"),
                server_frame(true, OP_BINARY, b"b"),
            ]
            .concat(),
            FrameError::BadFragment,
        ),
        (
            {
                let mut h = vec![0x82, 127];
                h.extend_from_slice(&(MAX_MESSAGE as u64 + 1).to_be_bytes());
                h
            },
            FrameError::TooLarge(MAX_MESSAGE as u64 + 1),
        ),
    ];
    for (wire, want) in cases {
        assert_eq!(read_all(&wire, 64), Err(want.clone()), "{want:?}");
    }
}

#[test]
fn fragments_together_over_the_limit_are_refused() {
    let mut reader = FrameReader::new(&[]);
    let chunk = vec![0u8; 1 << 20];
    reader
        .read_target()
        .extend_from_slice(&server_frame(false, OP_BINARY, &chunk));
    let mut result = reader.next_item();
    for _ in 0..17 {
        if result.is_err() {
            break;
        }
        reader
            .read_target()
            .extend_from_slice(&server_frame(false, OP_CONTINUATION, &chunk));
        result = reader.next_item();
    }
    assert!(matches!(result, Err(FrameError::TooLarge(_))), "{result:?}");
}

/// Undoes a client frame: (first byte, payload).
fn unmask(frame: &[u8]) -> (u8, Vec<u8>) {
    assert_ne!(frame[1] & 0x80, 0, "client frames are masked");
    let (len, at) = match frame[1] & 0x7F {
        126 => (u16::from_be_bytes([frame[2], frame[3]]) as usize, 4),
        127 => (
            u64::from_be_bytes(frame[2..10].try_into().unwrap()) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let mask = &frame[at..at + 4];
    let payload: Vec<u8> = frame[at + 4..]
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ mask[i & 3])
        .collect();
    assert_eq!(payload.len(), len);
    (frame[0], payload)
}

#[test]
fn client_frames_are_masked_in_every_length_form() {
    for len in [0, 125, 126, 65535, 65536] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let mut out = Vec::new();
        encode(
            OutKind::Binary,
            &payload,
            [0xA1, 0x02, 0xF3, 0x44],
            &mut out,
        );
        let (first, got) = unmask(&out);
        assert_eq!(first, 0x80 | OP_BINARY);
        assert_eq!(got, payload, "len {len}");
        if len > 3 {
            assert_ne!(&out[out.len() - len..], &payload[..], "payload is masked");
        }
    }
    let mut out = Vec::new();
    encode(OutKind::Pong, b"p", [1, 2, 3, 4], &mut out);
    assert_eq!(unmask(&out), (0x80 | OP_PONG, b"p".to_vec()));
}

//! `WsSink::send_all` against a raw TCP peer playing the server: every payload must arrive as
//! its own masked, final binary message, in order, and the sink must stay usable after a batch
//! that outgrew the kept buffer.

use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::WsTransport;
use crate::transport::{FrameSink, Transport};
use wa_protocol::websocket::{self as websocket, KEEP_BUFFER};

/// Accepts one upgrade on `listener` and answers it; returns the stream after the headers.
async fn accept_upgrade(listener: &TcpListener) -> TcpStream {
    let (mut tcp, _) = listener.accept().await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        assert_eq!(
            tcp.read(&mut b).await.unwrap(),
            1,
            "client closed mid-request"
        );
        head.push(b[0]);
    }
    let text = String::from_utf8(head).unwrap();
    let key = text
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .expect("upgrade request carries a key");
    let reply = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        websocket::accept_for(key)
    );
    tcp.write_all(reply.as_bytes()).await.unwrap();
    tcp
}

/// Reads one client frame: (first byte, unmasked payload). Panics if it is not masked.
async fn read_frame(tcp: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut h = [0u8; 2];
    tcp.read_exact(&mut h).await.unwrap();
    assert_eq!(h[1] & 0x80, 0x80, "client frames are masked");
    let len = match h[1] & 0x7f {
        126 => u64::from(tcp.read_u16().await.unwrap()),
        127 => tcp.read_u64().await.unwrap(),
        n => u64::from(n),
    };
    let mut mask = [0u8; 4];
    tcp.read_exact(&mut mask).await.unwrap();
    let mut payload = vec![0u8; len as usize];
    tcp.read_exact(&mut payload).await.unwrap();
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
    (h[0], payload)
}

async fn connected() -> (Box<dyn FrameSink>, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws/chat", listener.local_addr().unwrap());
    let (server, client) = tokio::join!(accept_upgrade(&listener), async {
        WsTransport::new().unwrap().connect(&url).await
    });
    let (sink, _source) = client.unwrap();
    (sink, server)
}

#[tokio::test]
async fn send_all_writes_each_payload_as_its_own_message_in_order() {
    let (mut sink, mut server) = connected().await;
    // The three length forms, and an empty message.
    let payloads: Vec<Bytes> = [10usize, 300, 70_000, 0]
        .iter()
        .enumerate()
        .map(|(i, &n)| Bytes::from(vec![i as u8 + 1; n]))
        .collect();
    assert!(payloads[2].len() > KEEP_BUFFER);
    sink.send_all(payloads.clone()).await.unwrap();
    for want in &payloads {
        let (first, got) = tokio::time::timeout(Duration::from_secs(5), read_frame(&mut server))
            .await
            .expect("frame arrives");
        assert_eq!(first, 0x82, "final binary frame");
        assert_eq!(&got, want);
    }
    // After a batch larger than the kept buffer, single sends and batches still work.
    sink.send(Bytes::from_static(b"after")).await.unwrap();
    sink.send_all(vec![Bytes::from_static(b"x"), Bytes::from_static(b"yz")])
        .await
        .unwrap();
    for want in [&b"after"[..], b"x", b"yz"] {
        assert_eq!(read_frame(&mut server).await, (0x82, want.to_vec()));
    }
}

#[tokio::test]
async fn send_all_reports_a_closed_peer() {
    let (mut sink, server) = connected().await;
    drop(server);
    // The first write after the peer left may still be buffered by the kernel; a later one fails.
    let mut failed = false;
    for _ in 0..50 {
        if sink
            .send_all(vec![Bytes::from(vec![0u8; 4096]); 4])
            .await
            .is_err()
        {
            failed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(failed, "writing to a closed connection never failed");
}

/// A sink without its own `send_all`: the trait's default sends one by one, in order, and
/// stops at the first error.
#[tokio::test]
async fn default_send_all_sends_in_order_and_stops_at_the_first_error() {
    struct Recording {
        sent: Vec<Bytes>,
        fail_at: usize,
    }
    impl FrameSink for Recording {
        fn send(
            &mut self,
            data: Bytes,
        ) -> crate::transport::BoxFuture<'_, Result<(), crate::transport::TransportError>> {
            Box::pin(async move {
                if self.sent.len() == self.fail_at {
                    return Err(crate::transport::TransportError::Closed);
                }
                self.sent.push(data);
                Ok(())
            })
        }
        fn close(&mut self) -> crate::transport::BoxFuture<'_, ()> {
            Box::pin(async {})
        }
    }
    let items: Vec<Bytes> = (0u8..5).map(|i| Bytes::from(vec![i])).collect();
    let mut ok = Recording {
        sent: Vec::new(),
        fail_at: usize::MAX,
    };
    ok.send_all(items.clone()).await.unwrap();
    assert_eq!(ok.sent, items);
    let mut failing = Recording {
        sent: Vec::new(),
        fail_at: 2,
    };
    assert!(failing.send_all(items.clone()).await.is_err());
    assert_eq!(failing.sent, items[..2].to_vec());
}

/// Each way a connect fails is told apart by its variant, with the cause as its source.
#[tokio::test]
async fn connect_failures_are_typed() {
    use crate::transport::{TransportError, UpgradeError};
    use wa_protocol::websocket::HandshakeError;

    let transport = WsTransport::new().unwrap();
    let err = |r: Result<crate::transport::Connection, TransportError>| match r {
        Ok(_) => panic!("connect should fail"),
        Err(e) => e,
    };

    let e = err(transport.connect("http://127.0.0.1:1/").await);
    assert!(matches!(e, TransportError::InvalidUrl { .. }), "{e:?}");
    let e = err(WsTransport::new()
        .unwrap()
        .with_origin("https://x\r\nEvil: 1")
        .connect("ws://127.0.0.1:1/")
        .await);
    assert!(matches!(e, TransportError::InvalidOrigin), "{e:?}");

    // A port nobody listens on: bind one, then free it.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = err(transport.connect(&format!("ws://127.0.0.1:{port}/")).await);
    assert!(matches!(e, TransportError::Tcp(_)), "{e:?}");
    assert!(std::error::Error::source(&e).is_some());

    // A server that refuses the upgrade, and one that hangs up mid-response.
    for (reply, closed_early) in [
        (
            &b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"[..],
            false,
        ),
        (b"HTTP/1.1 101 Switching", true),
    ] {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/", listener.local_addr().unwrap());
        let server = async {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = tcp.read(&mut buf).await.unwrap();
            tcp.write_all(reply).await.unwrap();
        };
        let (_, result) = tokio::join!(server, transport.connect(&url));
        let e = err(result);
        if closed_early {
            assert!(
                matches!(e, TransportError::Upgrade(UpgradeError::ClosedEarly)),
                "{e:?}"
            );
        } else {
            assert!(
                matches!(
                    e,
                    TransportError::Upgrade(UpgradeError::Response(HandshakeError::Status(400)))
                ),
                "{e:?}"
            );
        }
    }
}

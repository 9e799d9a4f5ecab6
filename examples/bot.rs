//! A bot on the real WhatsApp network: it answers `ping` with `pong` and `!echo <text>` with
//! the text, each as a reply quoting the command. Everything else is left alone.
//!
//! ```text
//! cargo run --example bot                                  # link by QR code (drawn here)
//! cargo run --example bot -- --pair-code 15551234567       # link by phone-number code
//! cargo run --example bot -- --store my-bot.sqlite         # another store (default bot.sqlite)
//! ```
//!
//! On a fresh store the bot links as a companion device: scan the QR code under *Linked
//! devices* on the phone, or type the eight-character code the bot prints under *Link with
//! phone number*. The store keeps the identity, so later runs log straight in. The bot runs
//! until the client stops (for instance when the phone unlinks it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;
use wa_actors::bot::Bot;
use wa_actors::events::{Event, EventFilter, EventKind};

/// The command line.
struct Args {
    store: String,
    pair_code: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        store: "bot.sqlite".to_owned(),
        pair_code: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--store" => args.store = it.next().ok_or("--store needs a path")?,
            "--pair-code" => {
                let phone = it.next().ok_or("--pair-code needs a phone number")?;
                args.pair_code = Some(phone);
            }
            "-h" | "--help" => {
                return Err("usage: bot [--store PATH] [--pair-code PHONE]".to_owned());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(args)
}

/// The QR code as terminal text (two modules per character row, light on dark like a screen).
fn render_qr(code: &str) -> String {
    match QrCode::new(code.as_bytes()) {
        Ok(qr) => qr
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
        Err(e) => format!("(cannot draw the QR code: {e})"),
    }
}

/// The answer to a command, if the text is one.
fn answer(text: &str) -> Option<String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("ping") {
        return Some("pong".to_owned());
    }
    text.strip_prefix("!echo ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = parse_args()?;
    let pair_code = args.pair_code.clone();
    // A pair code is asked for once, on the first QR event (the registration connection is
    // up by then); later QR rotations are ignored while the user types the code.
    let asked = Arc::new(AtomicBool::new(false));

    let pairing = EventFilter::kinds([
        EventKind::PairingQrCode,
        EventKind::PairingCode,
        EventKind::PairSuccess,
        EventKind::PairError,
        EventKind::Connected,
        EventKind::Disconnected,
        EventKind::LoggedOut,
    ]);
    let bot = Bot::builder()
        .sqlite(&args.store)
        .on_events(pairing, move |event, client| {
            let pair_code = pair_code.clone();
            let asked = asked.clone();
            async move {
                match &event {
                    Event::PairingQrCode { code, timeout } => match &pair_code {
                        None => println!(
                            "Scan this with WhatsApp (Linked devices), valid {timeout:?}:\n{}",
                            render_qr(code)
                        ),
                        Some(phone) if !asked.swap(true, Ordering::SeqCst) => {
                            match client.pair_phone(phone).await {
                                Ok(code) => println!(
                                    "On the phone: Linked devices → Link with phone number, \
                                     then type {code}"
                                ),
                                Err(e) => println!("could not get a pairing code: {e}"),
                            }
                        }
                        Some(_) => {}
                    },
                    Event::PairSuccess(ps) => println!("linked as {}", ps.id),
                    Event::Connected(_) => println!("connected"),
                    Event::Disconnected(_) => println!("disconnected (reconnecting)"),
                    Event::LoggedOut(_) => println!("logged out by the phone"),
                    other => println!("{}", other.kind()),
                }
            }
        })
        .on_message(|ctx| async move {
            let Some(reply) = ctx.text().and_then(answer) else {
                return Ok(());
            };
            let sent = ctx.reply(&reply).await?;
            println!("answered {} ({})", ctx.chat(), sent.id);
            Ok(())
        })
        .build()
        .await?;
    println!("store {}; starting", args.store);
    bot.run().await?;
    println!("client stopped");
    Ok(())
}

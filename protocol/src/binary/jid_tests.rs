//! Unit tests of `jid`.

use super::*;

fn round_trip(s: &str) {
    let jid: Jid = s.parse().unwrap();
    assert_eq!(jid.to_string(), s, "{jid:?}");
}

#[test]
fn display_round_trips_the_usual_forms() {
    for s in [
        "15551234567@s.whatsapp.net",
        "15551234567:12@s.whatsapp.net",
        "123456789012345:7@lid",
        "123456789012345@lid",
        "120363025246125486@g.us",
        "15551234567-1700000000@g.us",
        "status@broadcast",
        "120363144038483540@newsletter",
        "server@c.us",
        "15551234567:99@hosted",
        "123456789012345:99@hosted.lid",
        "100000000000001:3@msgr",
        "7-100000000001:2@interop",
        "867051314767696@bot",
        "@s.whatsapp.net",
        "15551234567.5:3@s.whatsapp.net",
        "2@ref1helloworld",
    ] {
        round_trip(s);
    }
}

#[test]
fn parses_fields() {
    let jid: Jid = "15551234567:12@s.whatsapp.net".parse().unwrap();
    assert_eq!(jid.user, "15551234567");
    assert_eq!(jid.server, Server::DefaultUser);
    assert_eq!(jid.device, 12);
    assert!(jid.is_pn());
    let jid: Jid = "7-1000:2@interop".parse().unwrap();
    assert_eq!(
        (jid.integrator, jid.user.as_str(), jid.device),
        (7, "1000", 2)
    );
    let jid: Jid = "g.us".parse().unwrap();
    assert_eq!(jid, Jid::new("", Server::Group));
    assert_eq!(jid.to_string(), "@g.us");
}

#[test]
fn baileys_agent_suffix_names_the_domain() {
    let jid: Jid = "15551234567_1:3@s.whatsapp.net".parse().unwrap();
    assert_eq!(jid, Jid::lid("15551234567").with_device(3));
    let jid: Jid = "15551234567.0:3@s.whatsapp.net".parse().unwrap();
    assert_eq!(jid, Jid::pn("15551234567").with_device(3));
    let jid: Jid = "15551234567_5:3@s.whatsapp.net".parse().unwrap();
    assert_eq!(jid.agent, 5);
    assert_eq!(jid.domain_type(), Some(5));
}

#[test]
fn rejects_malformed() {
    assert_eq!("a@b@c".parse::<Jid>(), Err(JidError::TooManyAt));
    assert_eq!("a@".parse::<Jid>(), Err(JidError::EmptyServer));
    assert_eq!("".parse::<Jid>(), Err(JidError::EmptyServer));
    assert!(matches!(
        "a:x@s.whatsapp.net".parse::<Jid>(),
        Err(JidError::BadDevice(_))
    ));
    assert!(matches!(
        "a:1:2@s.whatsapp.net".parse::<Jid>(),
        Err(JidError::BadDevice(_))
    ));
    assert!(matches!(
        "a:70000@s.whatsapp.net".parse::<Jid>(),
        Err(JidError::BadDevice(_))
    ));
    assert!(matches!(
        "john.doe@example.com".parse::<Jid>(),
        Err(JidError::BadAgent(_))
    ));
    assert!(matches!(
        "a_300@s.whatsapp.net".parse::<Jid>(),
        Err(JidError::BadAgent(_))
    ));
    assert!(matches!(
        "x-1:2@interop".parse::<Jid>(),
        Err(JidError::BadIntegrator(_))
    ));
}

#[test]
fn predicates() {
    assert!(Jid::status_broadcast().is_status_broadcast());
    assert!(Jid::pn("13135550002").is_bot());
    assert!(!Jid::pn("13135550002").with_device(1).is_bot());
    assert!(!Jid::pn("15551234567").is_bot());
    assert!(Jid::server_jid().is_server());
    assert!(Jid::lid("1").same_user(&Jid::lid("1").with_device(4)));
    assert_eq!(Jid::pn("1").with_device(4).to_non_ad(), Jid::pn("1"));
    assert_eq!(Server::from("hosted.lid").domain_type(), Some(129));
    assert_eq!(Server::from("x.y"), Server::Other("x.y".into()));
}

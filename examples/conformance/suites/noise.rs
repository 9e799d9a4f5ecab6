//! `noise.json`: the Noise XX handshake and transport, client side (vectors README §6), plus
//! our server role replaying the peer server's side of the same transcript.

use prost::Message;
use serde_json::Value;
use wa_actors::proto::wa::cert_chain::noise_certificate::Details;
use wa_actors::proto::wa::CertChain;
use wa_actors::protocol::crypto::{KeyPair, PublicKey};
use wa_actors::protocol::noise::{
    build_cert_chain, login_payload, registration_payload, CertSpec, ClientHandshake, FrameDecoder,
    FrameEncoder, NoiseConfig, PayloadConfig, RegistrationData, ServerHandshake, TransportCipher,
    NOISE_MODE, WA_HEADER,
};

use super::json::{arr, eq_bytes, hex, hex_n, str, u64 as json_u64};
use super::node_json::{node_from_json, nodes_equal};
use super::Report;

/// Checks every scenario of the file; one case each.
pub fn check(file: &Value, report: &mut Report) -> Result<(), String> {
    eq_bytes("noise_mode", &NOISE_MODE, &hex(file, "noise_mode")?)?;
    eq_bytes("header", &WA_HEADER, &hex(file, "header")?)?;
    for scenario in arr(file, "scenarios")? {
        let name = str(scenario, "name").unwrap_or("?");
        report.case(name, check_scenario(scenario));
    }
    Ok(())
}

fn key_pair(keys: &Value, name: &str) -> Result<KeyPair, String> {
    let pair = keys.get(name).ok_or(format!("missing key pair `{name}`"))?;
    let kp = KeyPair::from_private_bytes(hex_n::<32>(pair, "private")?);
    eq_bytes(
        &format!("{name}.public"),
        kp.public.as_bytes(),
        &hex(pair, "public")?,
    )?;
    Ok(kp)
}

fn config(scenario: &Value) -> Result<PayloadConfig, String> {
    let c = scenario.get("config").ok_or("missing `config`")?;
    let version = arr(c, "version")?
        .iter()
        .map(|v| v.as_u64().and_then(|v| u32::try_from(v).ok()))
        .collect::<Option<Vec<u32>>>()
        .and_then(|v| <[u32; 3]>::try_from(v).ok())
        .ok_or("config.version is not three u32")?;
    let browser = arr(c, "browser")?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<Vec<String>>>()
        .and_then(|v| <[String; 3]>::try_from(v).ok())
        .ok_or("config.browser is not three strings")?;
    Ok(PayloadConfig {
        version,
        browser,
        country_code: str(c, "countryCode")?.to_owned(),
        sync_full_history: c
            .get("syncFullHistory")
            .and_then(Value::as_bool)
            .ok_or("config.syncFullHistory missing")?,
        push_name: c.get("pushName").and_then(Value::as_str).map(str::to_owned),
    })
}

fn client_payload(scenario: &Value, config: &PayloadConfig) -> Result<Vec<u8>, String> {
    match str(scenario, "mode")? {
        "login" => {
            let jid = str(scenario, "login_jid")?;
            let (user_device, _server) = jid.split_once('@').ok_or("login_jid has no @")?;
            let (user, device) = user_device.split_once(':').unwrap_or((user_device, "0"));
            let user: u64 = user.parse().map_err(|_| "login_jid user is not numeric")?;
            let device: u32 = device
                .parse()
                .map_err(|_| "login_jid device is not numeric")?;
            Ok(login_payload(config, user, device).encode_to_vec())
        }
        "registration" => {
            let creds = scenario
                .get("registration_creds")
                .ok_or("missing registration_creds")?;
            let identity = creds.get("identity").ok_or("missing identity")?;
            let spk = creds.get("signed_prekey").ok_or("missing signed_prekey")?;
            let registration = RegistrationData {
                registration_id: u32::try_from(json_u64(creds, "registration_id")?)
                    .map_err(|_| "registration_id exceeds u32")?,
                identity: PublicKey(hex_n::<32>(identity, "public")?),
                signed_prekey_id: u32::try_from(json_u64(spk, "key_id")?)
                    .map_err(|_| "key_id exceeds u32")?,
                signed_prekey: PublicKey(hex_n::<32>(spk, "public")?),
                signed_prekey_signature: hex_n::<64>(spk, "signature")?,
            };
            Ok(registration_payload(config, &registration).encode_to_vec())
        }
        other => Err(format!("unknown mode `{other}`")),
    }
}

fn details(
    cert: Option<&wa_actors::proto::wa::cert_chain::NoiseCertificate>,
) -> Result<Details, String> {
    let bytes = cert
        .and_then(|c| c.details.as_deref())
        .ok_or("cert_chain lacks a certificate")?;
    Details::decode(bytes).map_err(|e| format!("cert details: {e}"))
}

fn spec(d: &Details) -> CertSpec {
    CertSpec {
        serial: d.serial.unwrap_or_default(),
        issuer_serial: d.issuer_serial.unwrap_or_default(),
        not_before: d.not_before.unwrap_or_default(),
        not_after: d.not_after.unwrap_or_default(),
    }
}

/// Decodes the vector's chain; returns the leaf and intermediate specs.
fn chain_specs(chain_bytes: &[u8]) -> Result<(CertSpec, CertSpec), String> {
    let chain = CertChain::decode(chain_bytes).map_err(|e| format!("cert_chain: {e}"))?;
    Ok((
        spec(&details(chain.leaf.as_ref())?),
        spec(&details(chain.intermediate.as_ref())?),
    ))
}

/// The decrypted frame body decodes to the entry's `field` node (when the entry has one).
fn decoded_matches(what: &str, body: &[u8], entry: &Value, field: &str) -> Result<(), String> {
    let Some(want) = entry.get(field) else {
        return Ok(());
    };
    let want = node_from_json(want).map_err(|e| format!("{what} {field}: {e}"))?;
    let got =
        wa_actors::protocol::binary::unpack(body).map_err(|e| format!("{what} decode: {e}"))?;
    nodes_equal(&got, &want).map_err(|e| format!("{what} {field}: {e}"))
}

fn check_scenario(s: &Value) -> Result<(), String> {
    let keys = s.get("keys").ok_or("missing `keys`")?;
    let client_ephemeral = key_pair(keys, "client_ephemeral")?;
    let client_static = key_pair(keys, "client_static_noise_key")?;
    let server_ephemeral = key_pair(keys, "server_ephemeral")?;
    let server_static = key_pair(keys, "server_static")?;
    let root = key_pair(keys, "fake_cert_root")?;
    let intermediate = key_pair(keys, "fake_cert_intermediate")?;

    // The ClientPayload built from the config must be the peer's, byte for byte.
    let config = config(s)?;
    let payload = client_payload(s, &config)?;
    eq_bytes("client_payload", &payload, &hex(s, "client_payload")?)?;

    // Our chain builder reproduces the fake chain (deterministic XEdDSA on both sides).
    let chain_bytes = hex(s, "cert_chain")?;
    let (leaf_spec, inter_spec) = chain_specs(&chain_bytes)?;
    let built = build_cert_chain(
        &root.private,
        &intermediate,
        inter_spec,
        &server_static.public,
        leaf_spec,
    );
    eq_bytes("rebuilt cert_chain", &built.encode_to_vec(), &chain_bytes)?;
    // A time inside both validity windows.
    let not_before = leaf_spec.not_before.max(inter_spec.not_before);
    let not_after = leaf_spec.not_after.min(inter_spec.not_after);
    if not_before > not_after {
        return Err("cert validity windows do not overlap".into());
    }
    let now = not_before + (not_after - not_before) / 2;

    let frames = arr(s, "handshake_frames")?;
    let [hello, server_hello, finish] = frames.as_slice() else {
        return Err("handshake_frames must hold three frames".into());
    };

    // Client role.
    let noise = NoiseConfig {
        trust_root: root.public,
    };
    let mut encoder = FrameEncoder::new();
    let mut decoder = FrameDecoder::new();
    let client = ClientHandshake::new(
        &noise,
        client_ephemeral.clone(),
        client_static.clone(),
        payload.clone(),
    );
    let hello_payload = client.client_hello();
    eq_bytes(
        "ClientHello payload",
        &hello_payload,
        &hex(hello, "payload")?,
    )?;
    let hello_wire = encoder.encode(&hello_payload).map_err(|e| e.to_string())?;
    eq_bytes("ClientHello wire", &hello_wire, &hex(hello, "wire")?)?;

    let server_frames = decoder
        .decode(&hex(server_hello, "wire")?)
        .map_err(|e| format!("ServerHello framing: {e}"))?;
    let [server_hello_payload] = server_frames.as_slice() else {
        return Err(format!(
            "ServerHello wire held {} frames",
            server_frames.len()
        ));
    };
    eq_bytes(
        "ServerHello payload",
        server_hello_payload,
        &hex(server_hello, "payload")?,
    )?;
    let mut finished = client
        .read_server_hello(server_hello_payload, now)
        .map_err(|e| format!("read_server_hello: {e}"))?;
    if finished.server_static != server_static.public {
        return Err("client learned the wrong server static key".into());
    }
    eq_bytes(
        "ClientFinish payload",
        &finished.client_finish,
        &hex(finish, "payload")?,
    )?;
    let finish_wire = encoder
        .encode(&finished.client_finish)
        .map_err(|e| e.to_string())?;
    eq_bytes("ClientFinish wire", &finish_wire, &hex(finish, "wire")?)?;

    let keys_json = s.get("transport_keys").ok_or("missing transport_keys")?;
    eq_bytes(
        "client_to_server key",
        &finished.keys.client_to_server,
        &hex(keys_json, "client_to_server")?,
    )?;
    eq_bytes(
        "server_to_client key",
        &finished.keys.server_to_client,
        &hex(keys_json, "server_to_client")?,
    )?;

    // Server role on the same transcript: same ServerHello, and it recovers the client's
    // static key and payload.
    let server = ServerHandshake::new(server_ephemeral, server_static, chain_bytes);
    let (our_server_hello, awaiting) = server
        .read_client_hello(&hello_payload)
        .map_err(|e| format!("server read_client_hello: {e}"))?;
    eq_bytes(
        "server-role ServerHello",
        &our_server_hello,
        server_hello_payload,
    )?;
    let server_done = awaiting
        .read_client_finish(&finished.client_finish)
        .map_err(|e| format!("server read_client_finish: {e}"))?;
    if server_done.client_static != client_static.public {
        return Err("server learned the wrong client static key".into());
    }
    eq_bytes(
        "server-decoded ClientPayload",
        &server_done.payload.encode_to_vec(),
        &payload,
    )?;
    if server_done.keys != finished.keys {
        return Err("server and client derived different transport keys".into());
    }

    // Transport: s2c websocket messages through the frame decoder and the receive cipher.
    let mut cipher = finished
        .take_cipher()
        .ok_or("transport cipher already taken")?;
    let mut server_cipher = TransportCipher::server(&server_done.keys);
    let transport = arr(s, "transport")?;
    let mut received = Vec::new();
    for message in arr(s, "s2c_ws_messages")? {
        let bytes = ::hex::decode(
            message
                .as_str()
                .ok_or("s2c_ws_messages entry not a string")?,
        )
        .map_err(|e| format!("s2c_ws_messages: {e}"))?;
        received.extend(
            decoder
                .decode(&bytes)
                .map_err(|e| format!("s2c framing: {e}"))?,
        );
    }
    if decoder.buffered() != 0 {
        return Err(format!(
            "{} s2c bytes left after the last frame",
            decoder.buffered()
        ));
    }
    let mut received = received.into_iter();
    for (i, entry) in transport.iter().enumerate() {
        let node_bytes = hex(entry, "node_bytes")?;
        let ciphertext = hex(entry, "ciphertext")?;
        let what = format!("transport[{i}]");
        match str(entry, "dir")? {
            "s2c" => {
                let frame = received
                    .next()
                    .ok_or(format!("{what}: no s2c frame left"))?;
                eq_bytes(&format!("{what} frame"), &frame, &ciphertext)?;
                let plain = cipher.decrypt(&frame).map_err(|e| format!("{what}: {e}"))?;
                eq_bytes(&format!("{what} node_bytes"), &plain, &node_bytes)?;
                decoded_matches(&what, &plain, entry, "client_decoded")?;
                let ours = server_cipher
                    .encrypt(&node_bytes)
                    .map_err(|e| format!("{what}: {e}"))?;
                eq_bytes(
                    &format!("{what} server-role ciphertext"),
                    &ours,
                    &ciphertext,
                )?;
            }
            "c2s" => {
                let sealed = cipher
                    .encrypt(&node_bytes)
                    .map_err(|e| format!("{what}: {e}"))?;
                let wire = encoder.encode(&sealed).map_err(|e| e.to_string())?;
                eq_bytes(&format!("{what} wire"), &wire, &hex(entry, "wire")?)?;
                let opened = server_cipher
                    .decrypt(&sealed)
                    .map_err(|e| format!("{what} server-role: {e}"))?;
                eq_bytes(
                    &format!("{what} server-role node_bytes"),
                    &opened,
                    &node_bytes,
                )?;
            }
            other => return Err(format!("{what}: unknown dir `{other}`")),
        }
    }
    if received.next().is_some() {
        return Err("more s2c frames than s2c transport entries".into());
    }
    Ok(())
}

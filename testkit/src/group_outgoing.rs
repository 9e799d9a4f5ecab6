//! Group messages our clients send (messages.md §5.4, server.md §5), as the server fans them
//! out: every member device but the sender gets the one `skmsg`, plus its own `<enc>` from
//! `<participants>` when the sender named it (the sender-key distribution). Our registered
//! devices get it queued as `<message from=GROUP participant=SENDER>`; contacts' devices and
//! our accounts' phones decrypt it (the 1:1 part first, then the `skmsg` with the sender key
//! it handed over) and keep what they read. A re-send after a retry receipt
//! (`participant=DEVICE`, one `<enc>`) reaches that device only.

use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::message::{EncNode, EncType};
use wa_protocol::send::ClientMessage;
use wa_protocol::signal::{unpad, SenderKeyDistributionMessage, SenderKeyRecord};

use crate::contact_devices::{contact_device_jids, decrypt_direct, ContactDevice, ReceivedMessage};
use crate::own_phone::{has_phone, phone_of};
use crate::state::{DeviceKey, State};

/// The `<enc>` as the server relays it.
fn relay_enc(enc: &EncNode) -> Node {
    Node::build("enc")
        .attr("v", enc.version.to_string())
        .attr("type", enc.enc_type.as_wire().to_owned())
        .attr_opt("mediatype", enc.media_type.clone())
        .attr_opt("decrypt-fail", enc.decrypt_fail.clone())
        .attr_opt("count", enc.retry_count.map(|c| c.to_string()))
        .bytes(enc.ciphertext.clone())
        .finish()
}

fn group_node(msg: &ClientMessage, from: &Jid, t: u64, encs: &[&EncNode]) -> Node {
    let edit = msg.edit.as_wire();
    Node::build("message")
        .attr("id", msg.id.clone())
        .attr("from", msg.to.clone())
        .attr("participant", from.clone())
        .attr_opt("addressing_mode", msg.addressing_mode.clone())
        .attr("type", msg.message_type.clone())
        .attr("t", t.to_string())
        .attr_opt("edit", (!edit.is_empty()).then(|| edit.to_owned()))
        .children(encs.iter().map(|e| relay_enc(e)))
        .finish()
}

/// Every device of the group's members except `sender`: ours (registered, by key), and the
/// JIDs of contacts' devices and of our accounts' phones that exist.
fn member_devices(st: &State, members: &[Jid], sender: DeviceKey) -> (Vec<DeviceKey>, Vec<Jid>) {
    let mut ours: Vec<DeviceKey> = st
        .devices
        .iter()
        .filter(|(k, d)| {
            **k != sender
                && members
                    .iter()
                    .any(|m| m.same_user(&d.jid) || m.same_user(&d.lid))
        })
        .map(|(k, _)| *k)
        .collect();
    ours.sort_unstable();
    let mut others = Vec::new();
    for m in members {
        others.extend(contact_device_jids(st, m));
        let phone = m.to_non_ad().with_device(0);
        if has_phone(st, &phone) {
            others.push(phone);
        }
    }
    (ours, others)
}

/// Fans a client's group message out. False when the group is unknown or the sender is not
/// a member (the server refuses it).
pub(crate) fn deliver_group(
    st: &mut State,
    sender: DeviceKey,
    from: &Jid,
    msg: &ClientMessage,
    now: u64,
) -> bool {
    let Some(members) = st
        .groups
        .get(&msg.to.to_string())
        .map(|g| g.members.clone())
    else {
        return false;
    };
    let sender_lid = st.devices.get(&sender).map(|d| d.lid.clone());
    let is_member = members
        .iter()
        .any(|m| m.same_user(from) || sender_lid.as_ref().is_some_and(|l| m.same_user(l)));
    if !is_member {
        return false;
    }
    if let Some(target) = &msg.participant {
        for enc in &msg.direct {
            deliver_one(st, sender, from, msg, target, &[enc], now);
        }
        return true;
    }
    let skmsg: Vec<&EncNode> = msg
        .direct
        .iter()
        .filter(|e| e.enc_type == EncType::SenderKey)
        .collect();
    let (ours, others) = member_devices(st, &members, sender);
    let own_enc = |jid: &Jid| {
        msg.participants
            .iter()
            .find(|(d, _)| d == jid)
            .map(|(_, e)| e)
    };
    for key in ours {
        let Some(entry) = st.devices.get(&key) else {
            continue;
        };
        let named = own_enc(&entry.jid).or_else(|| own_enc(&entry.lid));
        let mut encs: Vec<&EncNode> = named.into_iter().collect();
        encs.extend(skmsg.iter().copied());
        let node = group_node(msg, from, now, &encs);
        st.enqueue(key, node);
    }
    for device in others {
        let mut encs: Vec<&EncNode> = own_enc(&device).into_iter().collect();
        encs.extend(skmsg.iter().copied());
        deliver_one(st, sender, from, msg, &device, &encs, now);
    }
    true
}

/// Hands `encs` to one device: queued for ours, read by a contact's device or a phone.
fn deliver_one(
    st: &mut State,
    sender: DeviceKey,
    from: &Jid,
    msg: &ClientMessage,
    device: &Jid,
    encs: &[&EncNode],
    now: u64,
) {
    if let Some(key) = st.device_key(device) {
        let node = group_node(msg, from, now, encs);
        st.enqueue(key, node);
        return;
    }
    let env = GroupEnvelope {
        msg,
        from,
        group: &msg.to,
    };
    if let Some(contact) = crate::contact_devices::contact_of(st, device) {
        let crate::contact::ContactState {
            devices,
            sessions,
            received,
            ..
        } = contact;
        let Some(d) = devices.get_mut(&device.device) else {
            return;
        };
        let shared = (device.device == 0).then_some(sessions);
        received.push(read_group(d, shared, sender, device, &env, encs));
        return;
    }
    if let Some((d, received)) = phone_of(st, device) {
        received.push(read_group(d, None, sender, device, &env, encs));
        return;
    }
    tracing::debug!(%device, "group message for a device nobody has");
}

struct GroupEnvelope<'a> {
    msg: &'a ClientMessage,
    from: &'a Jid,
    group: &'a Jid,
}

/// Reads a group delivery on `device`: the 1:1 `<enc>` (a distribution message, or the whole
/// message in a re-send), then the `skmsg` with the sender key of (group, sender).
fn read_group(
    device: &mut ContactDevice,
    shared: Option<&mut std::collections::HashMap<DeviceKey, wa_protocol::signal::SessionRecord>>,
    sender: DeviceKey,
    to: &Jid,
    env: &GroupEnvelope<'_>,
    encs: &[&EncNode],
) -> ReceivedMessage {
    let mut result: Result<wa::Message, String> = Err("no <enc> this device can read".into());
    let mut enc_type = String::new();
    let mut shared = shared;
    let key = (env.group.to_string(), sender);
    for enc in encs {
        enc_type = enc.enc_type.as_wire().to_owned();
        match enc.enc_type {
            EncType::PreKey | EncType::Whisper => {
                match decrypt_direct(device, shared.take(), sender, enc) {
                    Ok(m) => {
                        if let Some(skdm) = &m.sender_key_distribution_message {
                            if let Err(e) = take_sender_key(device, &key, env.group, skdm) {
                                result = Err(e);
                                continue;
                            }
                        }
                        // A distribution alone is not the message; a re-send is.
                        let only_skdm = wa::Message {
                            sender_key_distribution_message: None,
                            ..m.clone()
                        } == wa::Message::default();
                        if !only_skdm {
                            result = Ok(wa::Message {
                                sender_key_distribution_message: None,
                                ..m
                            });
                        }
                    }
                    Err(e) => result = Err(e),
                }
            }
            EncType::SenderKey => {
                let record = device.sender_keys.get(&key).cloned().unwrap_or_default();
                result = record
                    .decrypt(&enc.ciphertext)
                    .map_err(|e| e.to_string())
                    .and_then(|(plain, record)| {
                        device.sender_keys.insert(key.clone(), record);
                        let plain = unpad(&plain).map_err(|e| e.to_string())?;
                        wa::Message::decode(plain).map_err(|e| e.to_string())
                    });
            }
            _ => {}
        }
    }
    ReceivedMessage {
        device: to.clone(),
        from: env.from.clone(),
        id: env.msg.id.clone(),
        message_type: env.msg.message_type.clone(),
        edit: env.msg.edit.as_wire().to_owned(),
        enc_type,
        media_type: encs.iter().find_map(|e| e.media_type.clone()),
        message: result,
        group: Some(env.group.clone()),
    }
}

fn take_sender_key(
    device: &mut ContactDevice,
    key: &(String, DeviceKey),
    group: &Jid,
    skdm: &wa::SenderKeyDistributionMessage,
) -> Result<(), String> {
    if skdm.group_id.as_deref() != Some(group.to_string().as_str()) {
        return Err("distribution message for another group".into());
    }
    let bytes = skdm
        .axolotl_sender_key_distribution_message
        .as_deref()
        .ok_or("empty distribution message")?;
    let parsed = SenderKeyDistributionMessage::parse(bytes).map_err(|e| e.to_string())?;
    let record = device
        .sender_keys
        .get(key)
        .cloned()
        .unwrap_or_else(SenderKeyRecord::new)
        .process_distribution(&parsed);
    device.sender_keys.insert(key.clone(), record);
    Ok(())
}

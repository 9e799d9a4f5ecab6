//! The device-list cache: per user, the list and LID usync returned and when, kept in memory
//! and written through to the store (`Namespace::DEVICE_LISTS`, keyed by the user JID).

use wa_protocol::binary::Jid;
use wa_protocol::usync::{DeviceEntry, UserDevices, MAX_DEVICES_PER_USER};

/// Format version of a stored list.
const VERSION: u8 = 1;

/// One cached list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CachedDevices {
    /// Unix seconds of the usync reply.
    pub fetched_at: i64,
    /// The list.
    pub devices: UserDevices,
}

/// `version | fetched_at i64 BE | lid len u8 | lid user | count u8 | count × (id u16 BE,
/// flags u8 (1 key index, 2 hosted), key index u32 BE)`.
pub(super) fn encode(c: &CachedDevices) -> Vec<u8> {
    let lid = c
        .devices
        .lid
        .as_ref()
        .map(|l| l.user.as_str())
        .unwrap_or("");
    let lid = if lid.len() > usize::from(u8::MAX) {
        ""
    } else {
        lid
    };
    let count = c.devices.devices.len().min(MAX_DEVICES_PER_USER);
    let mut out = Vec::with_capacity(12 + lid.len() + count * 7);
    out.push(VERSION);
    out.extend_from_slice(&c.fetched_at.to_be_bytes());
    out.push(lid.len() as u8);
    out.extend_from_slice(lid.as_bytes());
    out.push(count as u8);
    for d in &c.devices.devices[..count] {
        out.extend_from_slice(&d.id.to_be_bytes());
        out.push(u8::from(d.key_index.is_some()) | (u8::from(d.hosted) << 1));
        out.extend_from_slice(&d.key_index.unwrap_or(0).to_be_bytes());
    }
    out
}

/// Reads [`encode`]'s bytes for `user`; `None` for anything else (a stale or damaged row is
/// simply fetched again).
pub(super) fn decode(user: &Jid, bytes: &[u8]) -> Option<CachedDevices> {
    let (&version, rest) = bytes.split_first()?;
    if version != VERSION {
        return None;
    }
    let (at, rest) = rest.split_first_chunk::<8>()?;
    let (&lid_len, rest) = rest.split_first()?;
    let (lid, rest) = rest.split_at_checked(usize::from(lid_len))?;
    let lid = std::str::from_utf8(lid).ok()?;
    let (&count, mut rest) = rest.split_first()?;
    if usize::from(count) > MAX_DEVICES_PER_USER {
        return None;
    }
    let mut devices = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let (id, r) = rest.split_first_chunk::<2>()?;
        let (&flags, r) = r.split_first()?;
        let (ki, r) = r.split_first_chunk::<4>()?;
        rest = r;
        devices.push(DeviceEntry {
            id: u16::from_be_bytes(*id),
            key_index: (flags & 1 != 0).then(|| u32::from_be_bytes(*ki)),
            hosted: flags & 2 != 0,
        });
    }
    if !rest.is_empty() || devices.is_empty() {
        return None;
    }
    Some(CachedDevices {
        fetched_at: i64::from_be_bytes(*at),
        devices: UserDevices {
            user: user.clone(),
            lid: (!lid.is_empty()).then(|| Jid::lid(lid)),
            devices,
        },
    })
}

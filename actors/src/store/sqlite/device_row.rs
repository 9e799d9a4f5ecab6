//! Mapping between [`DeviceData`] and the `device` table.

use rusqlite::{params, Connection, OptionalExtension, Row};
use wa_protocol::crypto::KeyPair;
use zeroize::Zeroizing;

use crate::store::{DeviceData, SignedPreKey, StoreError, StoreResult};
use crate::wire::Jid;

pub(super) fn save(conn: &Connection, account: &str, d: &DeviceData) -> StoreResult<()> {
    let noise = Zeroizing::new(d.noise_key.private.to_bytes());
    let identity = Zeroizing::new(d.identity_key.private.to_bytes());
    let spk = Zeroizing::new(d.signed_pre_key.key_pair.private.to_bytes());
    conn.execute(
        "INSERT OR REPLACE INTO device (account, noise_priv, identity_priv, registration_id,
            signed_prekey_id, signed_prekey_priv, signed_prekey_sig, adv_secret, jid, lid,
            platform, push_name, business_name, adv_signed_identity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            account,
            &noise[..],
            &identity[..],
            d.registration_id,
            d.signed_pre_key.id,
            &spk[..],
            &d.signed_pre_key.signature[..],
            &d.adv_secret_key[..],
            d.jid.as_ref().map(ToString::to_string),
            d.lid.as_ref().map(ToString::to_string),
            d.platform,
            d.push_name,
            d.business_name,
            d.adv_signed_identity,
        ],
    )?;
    Ok(())
}

pub(super) fn load(conn: &Connection, account: &str) -> StoreResult<Option<DeviceData>> {
    conn.query_row(
        "SELECT noise_priv, identity_priv, registration_id, signed_prekey_id,
            signed_prekey_priv, signed_prekey_sig, adv_secret, jid, lid, platform, push_name,
            business_name, adv_signed_identity
         FROM device WHERE account = ?1",
        params![account],
        |row| Ok(decode(row)),
    )
    .optional()?
    .transpose()
}

fn array<const N: usize>(row: &Row<'_>, idx: usize, what: &'static str) -> StoreResult<[u8; N]> {
    let bytes = Zeroizing::new(row.get::<_, Vec<u8>>(idx)?);
    <[u8; N]>::try_from(bytes.as_slice())
        .map_err(|_| StoreError::corrupt(what, format!("{} bytes, want {N}", bytes.len())))
}

fn jid(row: &Row<'_>, idx: usize, what: &'static str) -> StoreResult<Option<Jid>> {
    row.get::<_, Option<String>>(idx)?
        .map(|s| s.parse::<Jid>().map_err(|e| StoreError::corrupt(what, e)))
        .transpose()
}

fn decode(row: &Row<'_>) -> StoreResult<DeviceData> {
    let identity_key = KeyPair::from_private_bytes(array(row, 1, "identity key")?);
    Ok(DeviceData {
        noise_key: KeyPair::from_private_bytes(array(row, 0, "noise key")?),
        identity_key,
        registration_id: row.get(2)?,
        signed_pre_key: SignedPreKey {
            id: row.get(3)?,
            key_pair: KeyPair::from_private_bytes(array(row, 4, "signed prekey")?),
            signature: array(row, 5, "signed prekey signature")?,
        },
        adv_secret_key: Zeroizing::new(array(row, 6, "adv secret")?),
        jid: jid(row, 7, "jid")?,
        lid: jid(row, 8, "lid")?,
        platform: row.get(9)?,
        push_name: row.get(10)?,
        business_name: row.get(11)?,
        adv_signed_identity: row.get(12)?,
    })
}

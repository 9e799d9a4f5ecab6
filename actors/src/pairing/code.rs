//! One phone-number pairing attempt: the code, our ephemeral key and the server's ref, from
//! the companion hello to the companion finish.

use rand_core::CryptoRngCore;
use wa_protocol::binary::Node;
use wa_protocol::crypto::KeyPair;
use wa_protocol::pairing::code::{
    companion_finish, generate_pairing_code, wrap_ephemeral, FinishRandom,
};
use wa_protocol::pairing::link_code::{
    companion_finish_iq, companion_hello_iq, parse_primary_hello, validate_phone, CompanionHello,
};
use wa_protocol::pairing::PairCodeError;
use zeroize::Zeroizing;

/// Where the application's device shows up on the phone.
pub(crate) struct Platform<'a> {
    pub id: &'a str,
    pub display: &'a str,
}

/// A code handed to the user, waiting for the phone.
pub(crate) struct CodeSession {
    pub phone: String,
    pub code: String,
    ephemeral: KeyPair,
    /// The server's `link_code_pairing_ref`, once the hello was answered.
    pub pairing_ref: Option<Vec<u8>>,
}

impl std::fmt::Debug for CodeSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The code is a secret while it is valid: whoever knows it can link a device.
        f.debug_struct("CodeSession")
            .field("phone", &self.phone)
            .finish_non_exhaustive()
    }
}

impl CodeSession {
    /// Draws a code and an ephemeral key for `phone` and builds the companion hello iq (its id
    /// is left empty for the router to fill in).
    pub(crate) fn start(
        phone: &str,
        noise_public: &[u8; 32],
        platform: &Platform<'_>,
        show_push_notification: bool,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, Node), PairCodeError> {
        validate_phone(phone)?;
        let code = generate_pairing_code(rng);
        let ephemeral = KeyPair::generate(rng);
        let mut salt = [0u8; 32];
        let mut iv = [0u8; 16];
        rng.fill_bytes(&mut salt);
        rng.fill_bytes(&mut iv);
        let wrapped = wrap_ephemeral(&code, ephemeral.public.as_bytes(), &salt, &iv)?;
        let hello = companion_hello_iq(
            "",
            &CompanionHello {
                phone,
                wrapped_ephemeral: wrapped,
                noise_public,
                platform_id: platform.id,
                platform_display: platform.display,
                show_push_notification,
            },
        )?;
        let session = Self {
            phone: phone.to_owned(),
            code,
            ephemeral,
            pairing_ref: None,
        };
        Ok((session, hello))
    }

    /// Answers the phone's `link_code_companion_reg` notification: the companion finish iq and
    /// the new ADV secret that the coming `pair-success` is MACed with.
    pub(crate) fn finish(
        &self,
        notification: &Node,
        identity: &KeyPair,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Node, Zeroizing<[u8; 32]>), PairCodeError> {
        let pairing_ref = self
            .pairing_ref
            .as_deref()
            .ok_or(PairCodeError::RefMismatch)?;
        let hello = parse_primary_hello(notification, pairing_ref)?;
        let finish = companion_finish(
            &self.code,
            &self.ephemeral,
            identity,
            &hello.wrapped_primary_ephemeral,
            &hello.primary_identity_public,
            &FinishRandom::generate(rng),
        )?;
        let iq = companion_finish_iq(
            "",
            &self.phone,
            &finish,
            identity.public.as_bytes(),
            pairing_ref,
        )?;
        Ok((iq, finish.adv_secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_refuses_bad_phone_numbers_and_builds_a_hello() {
        let mut rng = rand::rngs::OsRng;
        let platform = Platform {
            id: "1",
            display: "Chrome (Linux)",
        };
        let err = CodeSession::start("0123", &[1; 32], &platform, true, &mut rng);
        assert!(matches!(err, Err(PairCodeError::InvalidPhone)));
        let (session, hello) =
            CodeSession::start("15551234567", &[1; 32], &platform, false, &mut rng)
                .expect("valid phone");
        assert_eq!(session.code.len(), 8);
        let reg = hello.child("link_code_companion_reg").expect("reg");
        assert_eq!(reg.attr_str("stage").as_deref(), Some("companion_hello"));
        // Without the server's ref the finish step must refuse.
        let note = Node::new("notification");
        let id = KeyPair::generate(&mut rng);
        assert!(matches!(
            session.finish(&note, &id, &mut rng),
            Err(PairCodeError::RefMismatch)
        ));
    }
}

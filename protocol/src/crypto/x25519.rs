//! X25519 (RFC 7748) computed on the Edwards form of the curve when the peer's point has one.
//!
//! The Montgomery ladder runs on dalek's serial field arithmetic only, while variable-base
//! Edwards multiplication uses its AVX2 (or AVX-512 IFMA) backend where the CPU has one. Under
//! callgrind the Edwards route takes about two thirds of the ladder's instructions (430k
//! against 640k per shared secret, dalek 4.1.3 with AVX2), and X25519 is most of the cost of
//! setting up a Signal session or turning its ratchet.
//!
//! The two agree on every point of the curve: `u` maps to an Edwards point `P` (either sign,
//! since `u([k]P) = u([k](-P))`), `P` is multiplied by the clamped scalar *unreduced* (so
//! torsion components are treated as the ladder treats them) and mapped back to `u`. Points
//! with no Edwards form (the twist, and `u = -1`) take the ladder, which defines X25519 for
//! every input. The secret scalar reaches both routes the same way; only public data decides
//! which one runs.

use curve25519_dalek::montgomery::MontgomeryPoint;

/// `X25519(private, their_public)`: the shared secret, as [`x25519_dalek::x25519`] computes it.
///
/// dalek takes the scalar by value on both routes, so its copies in dalek's frames are not
/// wiped (the `StaticSecret` this replaces wiped its own copy, not those either).
pub fn x25519(private: &[u8; 32], their_public: &[u8; 32]) -> [u8; 32] {
    match MontgomeryPoint(*their_public).to_edwards(0) {
        Some(point) => point.mul_clamped(*private).to_montgomery().to_bytes(),
        None => x25519_dalek::x25519(*private, *their_public),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ladder(k: [u8; 32], u: [u8; 32]) -> [u8; 32] {
        x25519_dalek::x25519(k, u)
    }

    #[test]
    fn rfc7748_vector() {
        // RFC 7748 section 5.2, first test vector.
        let k = hex::decode("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
            .unwrap();
        let u = hex::decode("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")
            .unwrap();
        let want = "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552";
        let got = x25519(&k.try_into().unwrap(), &u.try_into().unwrap());
        assert_eq!(hex::encode(got), want);
    }

    #[test]
    fn agrees_on_low_order_and_edge_points() {
        let k = [0x5a; 32];
        let p = {
            // 2^255 - 19, little-endian.
            let mut b = [0xff; 32];
            b[0] = 0xed;
            b[31] = 0x7f;
            b
        };
        let minus_one = {
            let mut b = p;
            b[0] -= 1;
            b
        };
        let mut cases = vec![[0u8; 32], minus_one, p];
        let mut one = [0u8; 32];
        one[0] = 1;
        cases.push(one);
        // The order-8 points' u coordinate (RFC 7748 / libsodium's blocklist).
        for hex_u in [
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
            "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        ] {
            cases.push(hex::decode(hex_u).unwrap().try_into().unwrap());
        }
        for u in cases {
            assert_eq!(x25519(&k, &u), ladder(k, u), "u = {}", hex::encode(u));
        }
    }

    proptest! {
        // Each case is a few scalar multiplications, slow in debug builds.
        #![proptest_config(ProptestConfig::with_cases(48))]

        // Random u: about half lie on the twist (the ladder route), half on the curve.
        #[test]
        fn agrees_with_the_ladder(k in any::<[u8; 32]>(), u in any::<[u8; 32]>()) {
            prop_assert_eq!(x25519(&k, &u), ladder(k, u));
        }

        // Public keys of real key pairs: always on the curve (the Edwards route).
        #[test]
        fn agrees_on_public_keys(k in any::<[u8; 32]>(), other in any::<[u8; 32]>()) {
            let u = ladder(other, x25519_dalek::X25519_BASEPOINT_BYTES);
            prop_assert!(MontgomeryPoint(u).to_edwards(0).is_some());
            prop_assert_eq!(x25519(&k, &u), ladder(k, u));
        }
    }
}

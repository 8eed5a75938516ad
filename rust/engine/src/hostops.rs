//! Synchronous host operations, answered inside the V8 callback without a thread
//! hop: secure random bytes, digests and HMACs for `crypto`, and UTS #46 domain
//! names for `URL` (the mapping tables are large; the `idna` crate has them).

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The largest `crypto.getRandomValues` request the Web Crypto spec allows.
pub const MAX_RANDOM_BYTES: usize = 65_536;

#[derive(Debug, PartialEq, Eq)]
pub enum OpError {
    /// Reported to JavaScript as a TypeError.
    Type(String),
    /// Reported to JavaScript as a RangeError.
    Range(String),
}

pub fn random_bytes(n: usize) -> Result<Vec<u8>, OpError> {
    if n > MAX_RANDOM_BYTES {
        return Err(OpError::Range(format!(
            "random byte count {n} exceeds {MAX_RANDOM_BYTES}"
        )));
    }
    let mut out = vec![0u8; n];
    getrandom::fill(&mut out)
        .map_err(|e| OpError::Type(format!("the OS random source failed: {e}")))?;
    Ok(out)
}

fn normalise(alg: &str) -> String {
    alg.to_ascii_uppercase()
        .replace("SHA", "SHA-")
        .replace("--", "-")
}

pub fn digest(alg: &str, data: &[u8]) -> Result<Vec<u8>, OpError> {
    Ok(match normalise(alg).as_str() {
        "SHA-1" => Sha1::digest(data).to_vec(),
        "SHA-256" => Sha256::digest(data).to_vec(),
        "SHA-384" => Sha384::digest(data).to_vec(),
        "SHA-512" => Sha512::digest(data).to_vec(),
        _ => return Err(unsupported(alg)),
    })
}

pub fn hmac(alg: &str, key: &[u8], data: &[u8]) -> Result<Vec<u8>, OpError> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key)
            .expect("HMAC accepts keys of any length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
    Ok(match normalise(alg).as_str() {
        "SHA-1" => run::<Hmac<Sha1>>(key, data),
        "SHA-256" => run::<Hmac<Sha256>>(key, data),
        "SHA-384" => run::<Hmac<Sha384>>(key, data),
        "SHA-512" => run::<Hmac<Sha512>>(key, data),
        _ => return Err(unsupported(alg)),
    })
}

/// The URL Standard's "domain to ASCII" (UTS #46 ToASCII, non-transitional,
/// CheckBidi and CheckJoiners on, CheckHyphens and STD3 rules off).
pub fn domain_to_ascii(domain: &[u8]) -> Result<Vec<u8>, OpError> {
    idna::domain_to_ascii_cow(domain, idna::AsciiDenyList::URL)
        .map(|ascii| ascii.into_owned().into_bytes())
        .map_err(|_| {
            OpError::Type(format!(
                "{:?} is not a valid domain name (UTS #46)",
                String::from_utf8_lossy(domain)
            ))
        })
}

fn unsupported(alg: &str) -> OpError {
    OpError::Type(format!(
        "unsupported hash algorithm {alg:?}: use SHA-1, SHA-256, SHA-384 or SHA-512"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn sha_known_answers_fips_180() {
        assert_eq!(
            hex(&digest("SHA-1", b"abc").unwrap()),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&digest("sha-256", b"abc").unwrap()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(hex(&digest("SHA-512", b"abc").unwrap()).starts_with("ddaf35a193617aba"));
        assert!(hex(&digest("SHA-384", b"abc").unwrap()).starts_with("cb00753f45a35e8b"));
        assert!(matches!(digest("MD5", b""), Err(OpError::Type(_))));
    }

    #[test]
    fn hmac_rfc_4231_case_2() {
        let mac = hmac("SHA-256", b"Jefe", b"what do ya want for nothing?").unwrap();
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn random_is_bounded() {
        assert_eq!(random_bytes(16).unwrap().len(), 16);
        assert!(matches!(
            random_bytes(MAX_RANDOM_BYTES + 1),
            Err(OpError::Range(_))
        ));
    }
}

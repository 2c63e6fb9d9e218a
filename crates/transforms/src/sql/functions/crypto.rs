//! `DES_ENCRYPT(key, text)` and `DES_DECRYPT(key, text)`: SeaTunnel's bundled UDFs.
//!
//! DES in CBC mode with PKCS#5 padding, the key taken from the first 8 UTF-8 bytes of the
//! password, a fixed IV, and Base64 text, so values encrypted by SeaTunnel decrypt here and back.

use base64::Engine as _;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

use crate::sql::error::EvalError;

/// SeaTunnel's `DESUtil.IV_PARAMETER`.
const IV: &[u8; 8] = b"12345678";
/// DES keys and blocks are 8 bytes; shorter passwords are refused as in SeaTunnel.
const KEY_LEN: usize = 8;

type Encryptor = cbc::Encryptor<des::Des>;
type Decryptor = cbc::Decryptor<des::Des>;

fn key_of(password: &str) -> Result<&[u8], EvalError> {
    if password.encode_utf16().count() < KEY_LEN || password.len() < KEY_LEN {
        return Err(EvalError::Runtime(
            "Encrypt failed, password length must greater than 8".into(),
        ));
    }
    Ok(&password.as_bytes()[..KEY_LEN])
}

fn encrypt_bytes(key: &[u8], plain: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; plain.len() + KEY_LEN];
    buf[..plain.len()].copy_from_slice(plain);
    let cipher = Encryptor::new_from_slices(key, IV).expect("8-byte key and iv");
    let len = cipher
        .encrypt_padded_mut::<Pkcs7>(&mut buf, plain.len())
        .expect("buffer has room for one padding block")
        .len();
    buf.truncate(len);
    buf
}

pub fn encrypt(password: &str, data: &str) -> Result<String, EvalError> {
    let key = key_of(password)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(encrypt_bytes(key, data.as_bytes())))
}

/// Like SeaTunnel, text that does not decrypt (not Base64, wrong key) comes back unchanged.
pub fn decrypt(password: &str, data: &str) -> Result<String, EvalError> {
    let key = key_of(password)?;
    let Ok(mut buf) = base64::engine::general_purpose::STANDARD.decode(data) else {
        return Ok(data.to_string());
    };
    let cipher = Decryptor::new_from_slices(key, IV).expect("8-byte key and iv");
    Ok(match cipher.decrypt_padded_mut::<Pkcs7>(&mut buf) {
        Ok(plain) => String::from_utf8_lossy(plain).into_owned(),
        Err(_) => data.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn des_matches_the_standard_test_vector() {
        // FIPS 81 style vector: DES(133457799BBCDFF1, 0123456789ABCDEF) = 85E813540F0AB405.
        // CBC xors the plaintext with the IV first, so feed IV ^ block.
        let key = [0x13, 0x34, 0x57, 0x79, 0x9B, 0xBC, 0xDF, 0xF1];
        let block = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF];
        let plain: Vec<u8> = block.iter().zip(IV).map(|(b, iv)| b ^ iv).collect();
        let out = encrypt_bytes(&key, &plain);
        assert_eq!(&out[..8], &[0x85, 0xE8, 0x13, 0x54, 0x0F, 0x0A, 0xB4, 0x05]);
        assert_eq!(out.len(), 16, "a full padding block follows");
    }

    #[test]
    fn round_trips_and_tolerates_garbage() {
        let c = encrypt("1234567890", "Joy Ding").unwrap();
        // What SeaTunnel's DESUtil (javax.crypto) produces for the same key and text.
        assert_eq!(c, "+jXI7ngL1UzB8yoBYEVgoQ==");
        assert_eq!(decrypt("1234567890", &c).unwrap(), "Joy Ding");
        assert_eq!(decrypt("1234567890", "not base64!").unwrap(), "not base64!");
        assert!(encrypt("short", "x").is_err());
    }
}

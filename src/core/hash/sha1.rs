//! SHA-1 (FIPS 180-4), for servers whose checksum extension offers nothing stronger.
//!
//! Only used to let a server verify a chunk arrived intact (tus checksum extension), never
//! for anything security-related. Hashes the bytes it is handed; reading them is not its job.

use super::blocks::{word, words, Blocks};

/// An incremental SHA-1.
#[derive(Clone, Debug)]
pub struct Sha1 {
    state: [u32; 5],
    blocks: Blocks,
}

impl Default for Sha1 {
    fn default() -> Sha1 {
        Sha1 { state: [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0], blocks: Blocks::default() }
    }
}

impl Sha1 {
    /// Hashes `data`.
    pub fn update(&mut self, data: &[u8]) {
        let state = &mut self.state;
        self.blocks.update(data, &mut |block| compress(state, block));
    }

    /// The digest.
    pub fn finish(self) -> [u8; 20] {
        let mut state = self.state;
        self.blocks.finish(&mut |block| compress(&mut state, block));
        let mut out = [0u8; 20];
        for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

fn compress(state: &mut [u32; 5], block: &[u8; 64]) {
    let mut w: [u32; 80] = words(block);
    for i in 16..80 {
        let next = (word(&w, i - 3) ^ word(&w, i - 8) ^ word(&w, i - 14) ^ word(&w, i - 16)).rotate_left(1);
        if let Some(slot) = w.get_mut(i) {
            *slot = next;
        }
    }
    let [mut a, mut b, mut c, mut d, mut e] = *state;
    for (i, wi) in w.iter().enumerate() {
        let (f, k) = match i {
            0..=19 => ((b & c) | (!b & d), 0x5A827999),
            20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
            40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
            _ => (b ^ c ^ d, 0xCA62C1D6),
        };
        let t = a.rotate_left(5).wrapping_add(f).wrapping_add(e).wrapping_add(k).wrapping_add(*wi);
        e = d;
        d = c;
        c = b.rotate_left(30);
        b = a;
        a = t;
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::super::sha256::hex;
    use super::*;

    fn sha1(data: &[u8]) -> String {
        let mut h = Sha1::default();
        h.update(data);
        hex(&h.finish())
    }

    #[test]
    fn known_answers() {
        assert_eq!(sha1(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sha1(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            sha1(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(sha1(&vec![b'a'; 1_000_000]), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    }
}

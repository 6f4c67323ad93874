//! The message framing SHA-1 and SHA-256 share: bytes cut into 64-byte blocks, then the
//! Merkle–Damgård padding (0x80, zeros, the bit length as a big-endian u64).
//!
//! It only buffers and pads; each hash supplies its own compression function.

#[derive(Clone, Debug)]
/// The 64-byte block buffer shared by SHA-1 and SHA-256 (Merkle–Damgård padding).
pub struct Blocks {
    block: [u8; 64],
    filled: usize,
    length: u64,
}

impl Default for Blocks {
    fn default() -> Blocks {
        Blocks { block: [0; 64], filled: 0, length: 0 }
    }
}

impl Blocks {
    /// Buffers `data`, calling `compress` on every full block.
    pub fn update(&mut self, mut data: &[u8], compress: &mut impl FnMut(&[u8; 64])) {
        self.length = self.length.wrapping_add(data.len() as u64);
        while !data.is_empty() {
            let take = (64 - self.filled).min(data.len());
            let (Some(dst), Some((head, rest))) =
                (self.block.get_mut(self.filled..self.filled + take), data.split_at_checked(take))
            else {
                return;
            };
            dst.copy_from_slice(head);
            self.filled += take;
            data = rest;
            if self.filled == 64 {
                compress(&self.block);
                self.filled = 0;
            }
        }
    }

    /// Pads the message and compresses the last block(s).
    pub fn finish(mut self, compress: &mut impl FnMut(&[u8; 64])) {
        let bits = self.length.wrapping_mul(8);
        self.update(&[0x80], compress);
        while self.filled != 56 {
            self.update(&[0], compress);
        }
        self.update(&bits.to_be_bytes(), compress);
    }
}
/// Word `i` of a message schedule (in bounds by the loops that call it; 0 otherwise).
pub(crate) fn word(w: &[u32], i: usize) -> u32 {
    w.get(i).copied().unwrap_or(0)
}

/// A message schedule whose first 16 words are the block's, big-endian.
pub(crate) fn words<const N: usize>(block: &[u8; 64]) -> [u32; N] {
    let mut w = [0u32; N];
    for (slot, chunk) in w.iter_mut().zip(block.chunks_exact(4)) {
        *slot = u32::from_be_bytes(chunk.try_into().unwrap_or([0; 4]));
    }
    w
}

//! The message framing SHA-1 and SHA-256 share: bytes cut into 64-byte blocks, then the
//! Merkle–Damgård padding (0x80, zeros, the bit length as a big-endian u64).
//!
//! It only buffers and pads; each hash supplies its own compression function.

#[derive(Clone, Debug)]
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
            self.block[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
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

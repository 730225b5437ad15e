//! One read of a string for the redaction gate: 64 bytes at a time become bit masks of the bytes that may start
//! or end a candidate of some family (AVX2 when the CPU has it, else SSE2 on x86_64, a plain loop elsewhere),
//! and only the few positions they mark are then read byte by byte (gate.rs). Bit i of a mask is byte i of the
//! block.

/// The masks of one 64-byte block.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Masks {
    /// `0`-`9` (cards).
    pub digit: u64,
    /// `=` and `:`: pair separators.
    pub sep: u64,
    /// `@ % J`: e-mail and URL credentials, `%3D`, the `J` of `eyJ`.
    pub rare: u64,
    /// `-` (`--flag`, `-----BEGIN `, card layouts) and space (card layouts).
    pub dash: u64,
    pub space: u64,
    /// `A`, and `K` or `S`: the `AK` / `AS` of `AKIA` / `ASIA`.
    pub upper_a: u64,
    pub upper_ks: u64,
    /// `e` / `E` and `r` / `R`: the `rer` of `earer` / `EARER`.
    pub e: u64,
    pub r: u64,
}

/// Calls `visit(base, masks)` for the 64-byte blocks of `s` in order (`base`: the block's first byte), until it
/// returns false. The last block is padded with zero bytes, which match nothing.
#[inline]
pub fn for_each_block(s: &[u8], visit: impl FnMut(usize, &Masks) -> bool) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above; the answer is cached).
        unsafe { for_each_block_avx2(s, visit) };
        return;
    }
    blocks(s, block_masks, visit);
}

/// `for_each_block` with the masks of `masks`; inlined into each instruction set's version.
#[inline(always)]
fn blocks(s: &[u8], masks: impl Fn(&[u8; 64]) -> Masks, mut visit: impl FnMut(usize, &Masks) -> bool) {
    let mut last = [0u8; 64];
    for (b, chunk) in s.chunks(64).enumerate() {
        let block: &[u8; 64] = match chunk.try_into() {
            Ok(block) => block,
            Err(_) => {
                last[..chunk.len()].copy_from_slice(chunk);
                &last
            }
        };
        if !visit(b * 64, &masks(block)) {
            return;
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn for_each_block_avx2(s: &[u8], visit: impl FnMut(usize, &Masks) -> bool) {
    blocks(s, |block| block_masks_avx2(block), visit);
}

/// `block_masks` with AVX2: 32 bytes per compare.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn block_masks_avx2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8, _mm256_sub_epi8,
    };
    let mut m = Masks::default();
    for (k, chunk) in block.chunks_exact(32).enumerate() {
        // SAFETY: `chunk` is 32 readable bytes (chunks_exact of a 64-byte array); the load has no alignment need.
        let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast::<__m256i>()) };
        macro_rules! set {
            ($c:expr) => {
                _mm256_set1_epi8($c as i8)
            };
        }
        macro_rules! eq {
            ($c:expr) => {
                _mm256_cmpeq_epi8(v, set!($c))
            };
        }
        macro_rules! bits {
            ($x:expr) => {
                u64::from(_mm256_movemask_epi8($x) as u32) << (32 * k)
            };
        }
        let x = _mm256_sub_epi8(v, set!(b'0'));
        m.digit |= bits!(_mm256_cmpeq_epi8(_mm256_min_epu8(x, set!(9)), x));
        m.sep |= bits!(_mm256_or_si256(eq!(b'='), eq!(b':')));
        m.rare |= bits!(_mm256_or_si256(_mm256_or_si256(eq!(b'@'), eq!(b'%')), eq!(b'J')));
        m.dash |= bits!(eq!(b'-'));
        m.space |= bits!(eq!(b' '));
        m.upper_a |= bits!(eq!(b'A'));
        m.upper_ks |= bits!(_mm256_or_si256(eq!(b'K'), eq!(b'S')));
        let lower = _mm256_or_si256(v, set!(0x20));
        m.e |= bits!(_mm256_cmpeq_epi8(lower, set!(b'e')));
        m.r |= bits!(_mm256_cmpeq_epi8(lower, set!(b'r')));
    }
    m
}

/// The masks of `block` (64 bytes).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
pub fn block_masks(block: &[u8; 64]) -> Masks {
    // SAFETY: SSE2 is enabled for this build (the cfg above; every x86_64 CPU has it).
    unsafe { block_masks_sse2(block) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn block_masks_sse2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_sub_epi8,
    };
    let mut m = Masks::default();
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: `chunk` is 16 readable bytes (chunks_exact of a 64-byte array); the load has no alignment need.
        let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>()) };
        macro_rules! set {
            ($c:expr) => {
                _mm_set1_epi8($c as i8)
            };
        }
        macro_rules! eq {
            ($c:expr) => {
                _mm_cmpeq_epi8(v, set!($c))
            };
        }
        macro_rules! bits {
            ($x:expr) => {
                u64::from(_mm_movemask_epi8($x) as u16) << (16 * k)
            };
        }
        // A digit: v - '0' (wrapping) is at most 9.
        let x = _mm_sub_epi8(v, set!(b'0'));
        m.digit |= bits!(_mm_cmpeq_epi8(_mm_min_epu8(x, set!(9)), x));
        m.sep |= bits!(_mm_or_si128(eq!(b'='), eq!(b':')));
        m.rare |= bits!(_mm_or_si128(_mm_or_si128(eq!(b'@'), eq!(b'%')), eq!(b'J')));
        m.dash |= bits!(eq!(b'-'));
        m.space |= bits!(eq!(b' '));
        m.upper_a |= bits!(eq!(b'A'));
        m.upper_ks |= bits!(_mm_or_si128(eq!(b'K'), eq!(b'S')));
        // Either case: `E` | 0x20 is `e`.
        let lower = _mm_or_si128(v, set!(0x20));
        m.e |= bits!(_mm_cmpeq_epi8(lower, set!(b'e')));
        m.r |= bits!(_mm_cmpeq_epi8(lower, set!(b'r')));
    }
    m
}

/// The masks of `block`, read byte by byte (other targets, and the reference of the SSE2 version's test).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline]
pub fn block_masks_plain(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (i, &c) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match c {
            b'0'..=b'9' => m.digit |= bit,
            b'=' | b':' => m.sep |= bit,
            b'@' | b'%' | b'J' => m.rare |= bit,
            b'-' => m.dash |= bit,
            b' ' => m.space |= bit,
            b'A' => m.upper_a |= bit,
            b'K' | b'S' => m.upper_ks |= bit,
            _ => {}
        }
        match c | 0x20 {
            b'e' => m.e |= bit,
            b'r' => m.r |= bit,
            _ => {}
        }
    }
    m
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline]
pub fn block_masks(block: &[u8; 64]) -> Masks {
    block_masks_plain(block)
}

/// Bits of `x` moved up by `k` (1..=63) positions, the top `k` bits of the previous block's `prev` coming in:
/// bit i of the result is bit i - k of the string's mask.
#[inline]
pub fn back(x: u64, prev: u64, k: u32) -> u64 {
    (x << k) | (prev >> (64 - k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_all_agree(block: &[u8; 64]) {
        assert_eq!(block_masks(block), block_masks_plain(block), "{block:?}");
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            assert_eq!(unsafe { block_masks_avx2(block) }, block_masks_plain(block), "{block:?}");
        }
    }

    #[test]
    fn simd_and_plain_masks_agree() {
        let mut block = [0u8; 64];
        for first in (0..=255u8).step_by(1) {
            for (i, b) in block.iter_mut().enumerate() {
                *b = first.wrapping_add((i as u8).wrapping_mul(37));
            }
            assert_all_agree(&block);
        }
        let mut text = [b' '; 64];
        let sample = b"x@y=z:%J-AKS eErR 0123456789/ 9:;@?`{ ~\x7f\x80\xff Zz abc ---- 42";
        text[..sample.len()].copy_from_slice(sample);
        assert_all_agree(&text);
    }

    #[test]
    fn back_carries_the_previous_block() {
        assert_eq!(back(1, 0, 1), 2);
        assert_eq!(back(0, 1 << 63, 1), 1);
        assert_eq!(back(0, 1 << 62, 2), 1);
        assert_eq!(back(0, 1 << 63, 3), 4);
    }
}

//! The card candidate of the redaction pre-check: a port of `CARD.test(s)` (src/redact/precheck.ts),
//! `/\d\d\d\d(?:\d{9}|[ -]\d\d\d\d(?:[ -]\d\d\d\d|\d\d[ -]\d\d\d\d))/`: 13 digits in a row, or 4 digits, a
//! space or dash, then 4-4 or 6-4 digits (`\d` is ASCII 0-9 only, as in a JavaScript regex without `u`).
//!
//! The digits, spaces and dashes come as bit masks of 64-byte blocks (gate_scan.rs): 13 digits in a row are
//! found in the masks alone, and a 4-4-4 or 4-6-4 layout is read byte by byte only where 4 digits are followed
//! by a space or dash (in logs: a year before the dash of a date, a few ids).

use crate::gate_scan::back;

/// The card search over the blocks of one string, in order.
#[derive(Default)]
pub struct CardScan {
    /// The previous block's digit mask, and its mask of 4 digits ending at a byte.
    digit: u64,
    ends4: u64,
}

impl CardScan {
    /// Whether CARD matches with its first four digits ending in the block at `base` (`digit`: its digit mask,
    /// `space_dash`: its mask of spaces and dashes).
    #[inline(always)]
    pub fn block(&mut self, s: &[u8], base: usize, digit: u64, space_dash: u64) -> bool {
        let (pd, pe) = (self.digit, self.ends4);
        let ends4 = digit & back(digit, pd, 1) & back(digit, pd, 2) & back(digit, pd, 3);
        self.digit = digit;
        self.ends4 = ends4;
        if ends4 == 0 {
            return false;
        }
        if ends4 & back(ends4, pe, 4) & back(ends4, pe, 8) & back(digit, pd, 12) != 0 {
            return true; // 13 digits
        }
        // Bit 63: the next byte is in the next block, read it.
        let mut m = ends4 & ((space_dash >> 1) | (1 << 63));
        while m != 0 {
            let i = base + m.trailing_zeros() as usize;
            m &= m - 1;
            if layout_after(s, i) {
                return true;
            }
        }
        false
    }
}

#[inline]
fn digits(s: &[u8], i: usize, n: usize) -> bool {
    i + n <= s.len() && s[i..i + n].iter().all(u8::is_ascii_digit)
}

#[inline]
fn is_sep(s: &[u8], i: usize) -> bool {
    i < s.len() && (s[i] == b' ' || s[i] == b'-')
}

/// Whether `s[i+1..]` continues 4 digits ending at `i` into a card layout: `[ -]\d{4}(?:[ -]\d{4}|\d\d[ -]\d{4})`.
fn layout_after(s: &[u8], i: usize) -> bool {
    let g = i + 2; // the second group
    is_sep(s, i + 1)
        && digits(s, g, 4)
        && ((is_sep(s, g + 4) && digits(s, g + 5, 4))
            || (digits(s, g + 4, 2) && is_sep(s, g + 6) && digits(s, g + 7, 4)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::gate_scan::block_masks;

    /// `CARD.test(s)` as the gate runs it: block masks, then the card scan.
    pub(crate) fn has_card(s: &[u8]) -> bool {
        let mut scan = CardScan::default();
        s.chunks(64).enumerate().any(|(b, chunk)| {
            let mut block = [0u8; 64];
            block[..chunk.len()].copy_from_slice(chunk);
            let m = block_masks(&block);
            scan.block(s, b * 64, m.digit, m.space | m.dash)
        })
    }

    /// The regex, read plainly at every position (the reference of the tests).
    pub(crate) fn card_reference(s: &[u8]) -> bool {
        (0..s.len()).any(|i| {
            digits(s, i, 4)
                && (digits(s, i + 4, 9)
                    || (is_sep(s, i + 4)
                        && digits(s, i + 5, 4)
                        && ((is_sep(s, i + 9) && digits(s, i + 10, 4))
                            || (digits(s, i + 9, 2) && is_sep(s, i + 11) && digits(s, i + 12, 4)))))
        })
    }

    #[test]
    fn layouts_and_near_misses() {
        let yes = [
            "4222222222222",
            "4111111111111111",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "3782 822463 10005",
            "3782-822463-10005",
            "4111 1111 1111",
            "4111-1111 1111",
            "x4111 1111 1111x",
            "12345 6789 0123",
            "1234 5678-9012",
            "card=4111111111111111;",
            "99991234 5678 9012",
        ];
        let no = [
            "",
            "123456789012",
            "1234 5678 9012"[..13].trim(),
            "1234  5678 9012",
            "1234 567 89012",
            "2026-11-21T12:00:00Z",
            "1234 56789 0123",
            "1234 5678 901",
            "1234_5678_9012",
            "12 3456 7890 12",
            "1234\t5678\t9012",
            "１２３４５６７８９０１２３",
        ];
        for s in yes {
            assert!(card_reference(s.as_bytes()), "reference {s}");
            assert!(has_card(s.as_bytes()), "{s}");
        }
        for s in no {
            assert!(!card_reference(s.as_bytes()), "reference {s}");
            assert!(!has_card(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn every_position_across_blocks() {
        for card in ["4111111111111", "4111 1111 1111", "3782-822463-1000", "1234567890123456789"] {
            for pad in 0..140 {
                for tail in [0, 1, 63] {
                    let s = format!("{}{}{}", "x".repeat(pad), card, "y".repeat(tail));
                    assert!(has_card(s.as_bytes()), "{pad} {tail} {s}");
                    let d = format!("{}{}{}", "7".repeat(pad % 4), "x".repeat(pad), card);
                    assert_eq!(has_card(d.as_bytes()), card_reference(d.as_bytes()), "{d}");
                }
            }
        }
    }

    #[test]
    fn random_against_reference() {
        let mut x = crate::testkit::Xorshift32(0x9e37_79b9u32);
        let mut rnd = |n: u32| x.rnd(n);
        let alphabet = b"0123456789 -- 0123456789x:";
        for _ in 0..200_000 {
            let n = rnd(150) as usize;
            let s: Vec<u8> = (0..n).map(|_| alphabet[rnd(alphabet.len() as u32) as usize]).collect();
            assert_eq!(has_card(&s), card_reference(&s), "{}", String::from_utf8_lossy(&s));
        }
    }
}

//! Secret key names, as the JavaScript redaction finds them: a port of `KeyMatcher` (src/redact/rules/keywords.ts)
//! and of the key lookbacks of src/redact/rules/pairs.ts (`keyBefore`, `flagBefore`) and src/redact/precheck.ts
//! (`mayHaveKey`), answering only "names a secret or not" (the JavaScript class, `KEY_SECRET` or `KEY_AWS_SECRET`,
//! does not change whether the pre-check fires).
//!
//! Positions are byte offsets into UTF-8 text where JavaScript uses UTF-16 offsets. Every walk here reads ASCII
//! only (key characters, spaces, quotes) and stops at the first other character, so the two agree, except for
//! the one limit measured across arbitrary text (`user[key]=`: at most 64 UTF-16 units from `[` on), which is
//! measured in UTF-16 units here too.

/// Trie slot of a key character: 0-25 letters (any case), 26-35 digits.
const SEP: i8 = -1; // `_ - .`: skipped inside a key
const END: i8 = -2; // anything else ends the key

/// `slot` of keywords.ts: the trie index of a key character, `SEP` for `_ - .`, `END` for any other byte.
#[inline]
pub fn slot(c: u8) -> i8 {
    match c {
        b'a'..=b'z' => (c - b'a') as i8,
        b'A'..=b'Z' => (c - b'A') as i8,
        b'0'..=b'9' => (c - b'0' + 26) as i8,
        b'_' | b'-' | b'.' => SEP,
        _ => END,
    }
}

/// `isKeyChar` of keywords.ts: letters, digits, `_ - .`.
#[inline]
pub fn is_key_char(c: u8) -> bool {
    slot(c) != END
}

/// `normaliseKey` of keywords.ts: lower case, separators dropped (and anything that is not a key character).
pub fn normalise_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for &c in name.as_bytes() {
        let k = slot(c);
        if k >= 0 {
            out.push(if k < 26 { (b'a' + k as u8) as char } else { (b'0' + (k - 26) as u8) as char });
        }
    }
    out
}

#[derive(Clone)]
struct Node {
    /// Child node index per slot, 0 = none (the root is never a child).
    next: [u32; 36],
    /// A keyword matched as a suffix ends here.
    suffix: bool,
    /// A keyword matched only as the whole key ends here.
    exact: bool,
}

impl Default for Node {
    fn default() -> Self {
        Node { next: [0; 36], suffix: false, exact: false }
    }
}

/// Port of `KeyMatcher`: a reversed trie of the normalised keywords, walked backwards from a key's last character.
pub struct KeyMatcher {
    nodes: Vec<Node>,
    /// `#last`: bytes (either case) that some keyword ends with.
    last: [bool; 128],
    /// `#lastTwo`: slot pairs (second-last * 36 + last) that some keyword ends with.
    last_two: [bool; 36 * 36],
}

impl KeyMatcher {
    /// `new KeyMatcher(extra)` with its built-in lists given: `suffixes` (secret and AWS-secret suffixes, extra keys
    /// included) and `exact` words. Words are normalised here as `normaliseKey` does (a no-op on normalised words).
    pub fn new<S: AsRef<str>>(suffixes: &[S], exact: &[S]) -> KeyMatcher {
        let mut m = KeyMatcher { nodes: vec![Node::default()], last: [false; 128], last_two: [false; 36 * 36] };
        for w in suffixes {
            m.add(&normalise_key(w.as_ref()), false);
        }
        for w in exact {
            m.add(&normalise_key(w.as_ref()), true);
        }
        m
    }

    /// `#add`.
    fn add(&mut self, word: &str, exact: bool) {
        let w = word.as_bytes();
        let Some(&last) = w.last() else { return };
        let mut node = 0usize;
        for &c in w.iter().rev() {
            let k = slot(c);
            if k < 0 {
                continue;
            }
            let child = self.nodes[node].next[k as usize];
            node = if child != 0 {
                child as usize
            } else {
                self.nodes.push(Node::default());
                let id = self.nodes.len() - 1;
                self.nodes[node].next[k as usize] = id as u32;
                id
            };
        }
        if exact {
            self.nodes[node].exact = true;
        } else {
            self.nodes[node].suffix = true;
        }
        if last < 128 {
            self.last[last as usize] = true;
            if last.is_ascii_lowercase() {
                self.last[(last - 32) as usize] = true;
            }
        }
        let k0 = slot(last);
        if k0 < 0 {
            return; // never for a normalised word
        }
        if w.len() == 1 {
            for k1 in 0..36 {
                self.last_two[k1 * 36 + k0 as usize] = true;
            }
        } else {
            let k1 = slot(w[w.len() - 2]);
            if k1 >= 0 {
                self.last_two[k1 as usize * 36 + k0 as usize] = true;
            }
        }
    }

    /// `mayEndAt(s, end)`: false when no key ending just before `end` can name a secret, by its last two characters.
    #[inline]
    pub fn may_end_at(&self, s: &[u8], end: usize) -> bool {
        if end == 0 {
            return false;
        }
        let c0 = s[end - 1];
        if c0 >= 128 || !self.last[c0 as usize] {
            return false;
        }
        let k1 = if end >= 2 { slot(s[end - 2]) } else { END };
        k1 < 0 || self.last_two[k1 as usize * 36 + slot(c0) as usize]
    }

    /// `classify(s, end, start) !== KEY_NONE`: the key ending just before `end`, starting at or after `start`,
    /// names a secret.
    pub fn classify(&self, s: &[u8], end: usize, start: usize) -> bool {
        if end <= start || end > s.len() {
            return false;
        }
        // Separators at the end are ignored like the others (`password_` is `password`): the last character
        // before them decides.
        let mut e = end;
        while e > start && slot(s[e - 1]) == SEP {
            e -= 1;
        }
        if e == start {
            return false;
        }
        let c0 = s[e - 1];
        if c0 >= 128 || !self.last[c0 as usize] {
            return false;
        }
        let mut node = 0usize;
        let mut i = end;
        while i > start {
            i -= 1;
            let k = slot(s[i]);
            if k == SEP {
                continue;
            }
            if k == END {
                break;
            }
            let child = self.nodes[node].next[k as usize];
            if child == 0 {
                return false;
            }
            node = child as usize;
            let n = &self.nodes[node];
            if n.suffix || (n.exact && starts_at(s, i, start)) {
                return true;
            }
        }
        false
    }

    /// `classifyKey(key) !== KEY_NONE`: a whole key (a property name) names a secret.
    pub fn classify_key(&self, key: &str) -> bool {
        self.classify(key.as_bytes(), key.len(), 0)
    }

    /// `keyBefore(s, p, keys) !== KEY_NONE` (pairs.ts): the key just before the separator at `p` (spaces, a closing
    /// quote, an escaped quote, or the brackets of `user[key]=` skipped) names a secret.
    pub fn key_before(&self, s: &[u8], p: usize) -> bool {
        let mut j = p;
        let stop = p.saturating_sub(8);
        while j > stop && (s[j - 1] == b' ' || s[j - 1] == b'\t') {
            j -= 1;
        }
        if j == 0 {
            return false;
        }
        match s[j - 1] {
            b'"' | b'\'' => {
                j -= 1;
                if j > 0 && s[j - 1] == b'\\' {
                    j -= 1;
                }
                self.classify(s, j, 0)
            }
            b']' => {
                // `s.lastIndexOf('[', j - 1)`, refused when more than 64 UTF-16 units before j: 64 units take at
                // most 192 bytes, so a `[` further back is refused without looking.
                let from = j.saturating_sub(192);
                let Some(k) = memchr::memrchr(b'[', &s[from..j]) else { return false };
                let open = from + k;
                if j - open > 64 && utf16_len(&s[open..j]) > 64 {
                    return false;
                }
                self.classify(s, j - 1, open + 1)
            }
            _ => self.classify(s, j, 0),
        }
    }

    /// `mayHaveKey(s, p, keys)` (precheck.ts): false when the characters before the separator at `p` show that
    /// `key_before` cannot find a key (the pre-filter JavaScript runs first; the result is the same with or without).
    #[inline(always)]
    pub fn may_have_key(&self, s: &[u8], p: usize) -> bool {
        let mut end = p;
        let mut c = if end > 0 { s[end - 1] } else { 0 };
        if c == b'"' || c == b'\'' || c == b']' {
            end -= 1;
            c = if end > 0 { s[end - 1] } else { 0 };
        }
        !c.is_ascii_alphanumeric() || self.may_end_at(s, end)
    }

    /// `flagBefore(s, i, keys) !== -1` (pairs.ts): the `--` at `i` starts a flag naming a secret, followed by a space.
    pub fn flag_before(&self, s: &[u8], i: usize) -> bool {
        if i > 0 && is_key_char(s[i - 1]) {
            return false;
        }
        let n = s.len();
        let mut e = i + 2;
        while e < n && e - i < 64 && is_key_char(s[e]) {
            e += 1;
        }
        if e >= n || s[e] != b' ' || e == i + 2 {
            return false;
        }
        self.classify(s, e, i + 2)
    }
}

/// `#startsAt(s, i, start)`: nothing but separators precedes position `i` within the key.
fn starts_at(s: &[u8], i: usize, start: usize) -> bool {
    let mut j = i;
    while j > start {
        j -= 1;
        let k = slot(s[j]);
        if k == END {
            return true;
        }
        if k >= 0 {
            return false;
        }
    }
    true
}

/// Length in UTF-16 code units (JavaScript's `length`) of UTF-8 text.
pub fn utf16_len(s: &[u8]) -> usize {
    let mut n = 0;
    for &b in s {
        // Every byte but a continuation byte starts a character; a 4-byte character is a surrogate pair.
        n += usize::from((b & 0xC0) != 0x80) + usize::from(b >= 0xF0);
    }
    n
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The built-in key lists of keywords.ts (`SECRET_KEY_SUFFIXES`, `SECRET_KEY_EXACT`), for the tests here
    /// and in gate_tests.rs; `secretaccesskey` (the AWS rule's) is added by each.
    pub(crate) const BUILTIN_SUFFIXES: [&str; 12] = [
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "secretkey",
        "privatekey",
        "authorization",
        "signature",
        "credentials",
    ];
    pub(crate) const BUILTIN_EXACT: [&str; 6] = ["pass", "pwd", "auth", "cookie", "setcookie", "sig"];

    pub(crate) fn builtin() -> KeyMatcher {
        let mut suffixes = BUILTIN_SUFFIXES.to_vec();
        suffixes.push("secretaccesskey");
        KeyMatcher::new(&suffixes, &BUILTIN_EXACT)
    }

    #[test]
    fn key_before_forms() {
        let k = builtin();
        let at = |s: &str, sep: char| s.find(sep).unwrap();
        for s in [
            "password=x",
            "password =x",
            "password \t =x",
            "\"password\":\"x\"",
            "\\\"token\\\":1",
            "user[password]=x",
            "user[pass_word] = x",
            "'token':'x'",
            "x token%3Dy",
        ] {
            let p = if s.contains("%3D") {
                s.find('%').unwrap()
            } else if s.contains('=') {
                at(s, '=')
            } else {
                at(s, ':')
            };
            assert!(k.key_before(s.as_bytes(), p), "{s}");
        }
        // Nine spaces: the lookback skips at most eight.
        assert!(!k.key_before(b"password         =x", 17));
        assert!(k.key_before(b"password        =x", 16));
        assert!(!k.key_before(b"=x", 0));
        assert!(!k.key_before(b"password]=x", 9)); // no `[`
        let far = format!("[{}password]=x", "a".repeat(55));
        assert!(!k.key_before(far.as_bytes(), far.find('=').unwrap())); // `]` at 64 after `[`: j - open = 65
        let near = format!("[{}password]=x", "a".repeat(54));
        assert!(k.key_before(near.as_bytes(), near.find('=').unwrap()));
        // Non-ASCII inside the brackets: counted in UTF-16 units (é is one unit, two bytes).
        let wide = format!("[{}-password]=x", "é".repeat(53));
        assert!(k.key_before(wide.as_bytes(), wide.find('=').unwrap()));
        let wide = format!("[{}-password]=x", "é".repeat(54));
        assert!(!k.key_before(wide.as_bytes(), wide.find('=').unwrap()));
        let astral = format!("[{}password]=x", "😀".repeat(27));
        assert!(k.key_before(astral.as_bytes(), astral.find('=').unwrap()));
        let astral = format!("[{}a-password]=x", "😀".repeat(27));
        assert!(!k.key_before(astral.as_bytes(), astral.find('=').unwrap()));
    }

    #[test]
    fn flags_before() {
        let k = builtin();
        assert!(k.flag_before(b"--password x", 0));
        assert!(k.flag_before(b"a --db-pass_word x", 2));
        assert!(!k.flag_before(b"a--password x", 1));
        assert!(!k.flag_before(b"--password", 0));
        assert!(!k.flag_before(b"--password=x", 0));
        assert!(!k.flag_before(b"-- x", 0));
        let long = format!("--{}password x", "a".repeat(54));
        assert!(k.flag_before(long.as_bytes(), 0));
        let long = format!("--{}password x", "a".repeat(55));
        assert!(!k.flag_before(long.as_bytes(), 0));
        assert!(k.flag_before(b"---password x", 0));
    }

    #[test]
    fn extra_keys_one_character() {
        let k = KeyMatcher::new(&["password", "session_id", "x", "key2"], &["pwd"]);
        assert!(k.classify_key("inbox"));
        assert!(k.classify_key("Session.Id"));
        assert!(k.classify_key("apikey2"));
        assert!(k.may_end_at(b"inbox", 5));
        assert!(!KeyMatcher::new(&["password"], &[] as &[&str]).may_end_at(b"inbox", 5));
    }

    #[test]
    fn separators_at_the_end_of_a_key_are_ignored() {
        let k = builtin();
        for key in ["password_", "password-", "api-key.", "Token__", "pass_", "-pass."] {
            assert!(k.classify_key(key), "{key}");
        }
        for key in ["___", "-", "passport_", "password_policy_", "x.pass_", ""] {
            assert!(!k.classify_key(key), "{key}");
        }
        assert!(k.key_before(b"password_=hunter2", 9));
        assert!(k.classify(b"a=pass_", 7, 2), "the key starts after `start`");
        assert!(!k.classify(b"pass_", 5, 5));
    }

    #[test]
    fn utf16_lengths() {
        assert_eq!(utf16_len("aé€😀".as_bytes()), 5);
    }
}

//! Tests of the redaction gate (gate.rs): golden flags of the JavaScript pre-check, every family alone, extra keys,
//! secret keys, every position, the block scan against a plain reference, no panics, and a benchmark.

use super::*;
use crate::gate_keys::tests::{BUILTIN_EXACT, BUILTIN_SUFFIXES};
use crate::gate_scan::block_masks;

/// The pre-check written plainly with substring searches (the first version of this port): the reference of
/// the block scan on random strings.
pub(crate) fn reference_flags(gate: &RedactionGate, s: &[u8]) -> u32 {
    let want = gate.want;
    let n = s.len();
    if want == 0 || n < MIN_LENGTH || (n < 4 * MIN_LENGTH && utf16_len(s) < MIN_LENGTH) {
        return 0;
    }
    let mut f = 0;
    if want & F_AT != 0 && memchr::memchr(b'@', s).is_some() {
        f |= F_AT;
        if want & F_URL != 0 && gate.url.find(s).is_some() {
            f |= F_URL;
        }
    }
    if want & F_CARD != 0 && crate::gate_card::tests::card_reference(s) {
        f |= F_CARD;
    }
    if want & F_PAIR != 0 && (pair_at_separator(gate, s) || pair_rare(gate, s)) {
        f |= F_PAIR;
    }
    // Lengths in UTF-16 units: at most 3 bytes per unit.
    if n >= RARE_MIN_LENGTH && (n >= 3 * RARE_MIN_LENGTH || utf16_len(s) >= RARE_MIN_LENGTH) {
        if want & F_JWT != 0 && Finder::new(b"eyJ").find(s).is_some() {
            f |= F_JWT;
        }
        if want & F_AWSID != 0 && (Finder::new(b"AKIA").find(s).is_some() || Finder::new(b"ASIA").find(s).is_some()) {
            f |= F_AWSID;
        }
        if want & F_PEM != 0 && Finder::new(b"-----BEGIN ").find(s).is_some() {
            f |= F_PEM;
        }
        if want & F_BEARER != 0 && (Finder::new(b"earer").find(s).is_some() || Finder::new(b"EARER").find(s).is_some())
        {
            f |= F_BEARER;
        }
    }
    // `#short` (strings under 32 units) reads a string once for its triggers: without any, the only candidate
    // it reports is a card, and only with 13 digits or more. The triggers hold every candidate but a bearer
    // token's `earer` (its `b` is one) and a 4-4-4 card layout of 12 digits (not a card for the detector).
    if f & (F_CARD | F_BEARER) != 0 && n < 3 * SHORT_LENGTH && utf16_len(s) < SHORT_LENGTH && !short_trigger(s) {
        f = if f & F_CARD != 0 && s.iter().filter(|c| c.is_ascii_digit()).count() >= CARD_MIN_DIGITS {
            F_CARD
        } else {
            0
        };
    }
    f
}

/// `pairAtSeparator`: some `=`, or `:` not followed by `/`, follows a key naming a secret.
fn pair_at_separator(gate: &RedactionGate, s: &[u8]) -> bool {
    memchr::memchr2_iter(b'=', b':', s).any(|p| {
        !(s[p] == b':' && s.get(p + 1) == Some(&b'/')) && gate.keys.may_have_key(s, p) && gate.keys.key_before(s, p)
    })
}

/// `pairRare`: some `%3D` (any case of d) follows a key naming a secret, or a `--flag ` names one.
fn pair_rare(gate: &RedactionGate, s: &[u8]) -> bool {
    let pct = memchr::memchr_iter(b'%', s).any(|i| {
        s.get(i + 1) == Some(&b'3') && s.get(i + 2).is_some_and(|&c| c | 32 == b'd') && gate.keys.key_before(s, i)
    });
    // indexOf('--', i + 2) visits every `--` not right after another dash, the only ones flagBefore accepts.
    pct || Finder::new(b"--").find_iter(s).any(|i| gate.keys.flag_before(s, i))
}

/// The built-in key lists of keywords.ts, as gate-config.ts passes them.
pub(crate) fn config(want: u32, extra: &[&str]) -> GateConfig {
    let mut suffixes: Vec<String> = BUILTIN_SUFFIXES.iter().map(|s| s.to_string()).collect();
    suffixes.extend(extra.iter().map(|s| s.to_string()));
    suffixes.push("secretaccesskey".into());
    let exact = BUILTIN_EXACT.iter().map(|s| s.to_string()).collect();
    GateConfig { want, suffixes, exact }
}

/// Strings of every family, near misses and edge cases, with the flags of the JavaScript `Precheck` (all
/// families wanted, built-in keys; strings under 5 units: 0, as the redactor never checks them).
const GOLDEN: &[(&str, u32)] = &[
    ("", 0),
    ("a@b", 0),
    ("pwd=", 0),
    ("pwd=x", 32),
    ("hello world", 0),
    ("lorem ipsum dolor sit amet, lorem ipsum dolor sit amet, ", 0),
    ("4222222222222", 1),
    ("422222222222", 0),
    ("4111 1111 1111 1111", 1),
    ("4111-1111-1111-1111", 1),
    ("4111 1111 1111", 0),
    ("3782 822463 10005", 1),
    ("3782-822463-10005", 1),
    ("1234 5678 901", 0),
    ("1234  5678 9012", 0),
    ("2026-11-21T12:00:00Z 1234567890", 0),
    ("id 12345678901234567890", 1),
    ("x 1234 56789 0123", 0),
    ("x 1234 567890 1234", 1),
    ("x 1234_5678_9012", 0),
    ("x 1234 5678 9012", 0),
    ("x 1234 5678 9012 lorem ipsum dolor sit amet, ", 1),
    ("4111 1111 1111 1", 1),
    ("4111 1111 1111 b", 1),
    ("4111 1111 1111 1 bearer", 65),
    ("mail a@b.co", 2),
    ("user@host", 2),
    ("see http://x/y", 0),
    ("postgres://u:p@h/db", 130),
    ("ftp://host and a@b", 130),
    ("eyJAAAAAAA.AA.", 4),
    ("eyJAAAAAAA.A.", 0),
    ("tok eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", 4),
    ("AKIAZQ9VX7WKZQ9VX7WK", 8),
    ("key ASIA2345ABCD6789EFGH", 8),
    ("AKIA1234", 0),
    ("akia1234567890123456", 1),
    ("-----BEGIN PRIVATE KEY-----abc", 16),
    ("----BEGIN PRIVATE KEY", 0),
    ("bearer Zq9vX7wK", 64),
    ("BEARER%20abcdefgh", 64),
    ("BeArEr abcdefghijk", 0),
    ("the bearer of it", 64),
    ("xearer cdefghijkl", 0),
    ("xearer cdefghijklmnopqrstuvwxyz", 0),
    ("xearer cdefghijklmnopqrstuvwxyz!!!!", 64),
    ("lorem ipsum dolor sit amet, xearer cdefghijk", 64),
    ("xearer cdefghijk@", 66),
    ("xearer cdefghijk-", 0),
    ("xearer cdefghijk--", 64),
    ("xEARER AK cdefg", 64),
    ("xEARER AS cdefg", 64),
    ("xEARER J cdefg", 64),
    ("xEARER AJ cdefg", 64),
    ("xEARER A-K cdefg", 0),
    ("xearer éééééééééééééééééé", 0),
    ("eyJ alone", 0),
    ("é eyJAAAAAAA.A", 4),
    ("éé eyJAAAAAAA", 0),
    ("ééé eyJAAAAAA.AA", 4),
    ("password=x", 32),
    ("password: x", 32),
    ("password:/x", 0),
    ("password :x", 32),
    ("password\t= x", 32),
    ("pass_word=x", 32),
    ("PASS-WORD=x", 32),
    ("p.a.s.s.w.o.r.d=x", 32),
    ("a_p_i_k_e_y=x", 32),
    ("client.secret=x", 32),
    ("X-Api-Key: x", 32),
    ("accessToken=x", 32),
    ("db_passwd:x", 32),
    ("passphrase = \"x\"", 32),
    ("api_key='x'", 32),
    ("{\"password\":\"x\"}", 32),
    ("{\"token\" : \"x\"}", 32),
    ("{\\\"secret\\\":\\\"x\\\"}", 32),
    ("{'token':'x'}", 32),
    ("user[password]=x", 32),
    ("user[pass_word] = x", 32),
    ("?a=1&token=abc&b=2", 32),
    ("next%3Fx%3D1%26token%3Dabc", 32),
    ("token%3dabc", 32),
    ("token%3Xabc", 0),
    ("x%3D1", 0),
    ("--password abc", 32),
    ("--db-pass_word abc", 32),
    ("--api.key abc", 32),
    ("--password=abc", 32),
    ("a--password abc", 0),
    ("x --password", 0),
    ("-- password x", 0),
    ("---password x", 32),
    ("--verbose x", 0),
    ("--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaapassword x", 32),
    ("--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaapassword x", 0),
    ("Authorization: Basic dXNlcg==", 32),
    ("pwd=x", 32),
    ("mypwd=x", 0),
    ("x-pwd=x", 0),
    ("sig=x", 32),
    ("signal=x", 0),
    ("password_policy=strict", 0),
    ("max_tokens=100", 0),
    ("password_=x", 32),
    ("password         =x", 0),
    ("password        =x", 32),
    ("ts=1 status=200", 0),
    ("10.0.0.1:8080", 0),
    ("haproxy[1234]: x", 0),
    ("\"path\":\"/a\"", 0),
    ("12:34:56 token", 0),
    ("token", 0),
    ("[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaapassword]=x", 0),
    ("[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaapassword]=x", 32),
    ("[ééééééééééééééééééééééééééééééééééééééééééééééééééééé-password]=x", 32),
    ("[éééééééééééééééééééééééééééééééééééééééééééééééééééééé-password]=x", 0),
    ("user[x]password=1", 32),
    ("password\"=1", 32),
    ("password\\\"=1", 32),
    ("password]=1", 0),
    ("=password", 0),
    (":", 0),
    ("=====", 0),
    ("a=b=c:d:e", 0),
    ("pass word=x", 0),
    ("auth = x", 32),
    ("x.auth = x", 0),
    ("Cookie: abc", 32),
    ("set-cookie:abc", 32),
    ("SecretAccessKey=abc", 32),
    ("aws_secret_access_key: x", 32),
    ("password=", 32),
    ("token: \"x\"", 32),
    ("user alice@example.com paid with 4111 1111 1111 1111 token=abc", 35),
];

#[test]
fn golden_flags_of_the_javascript_precheck() {
    let gate = RedactionGate::new(&config(255, &[]));
    let wrong: Vec<String> = GOLDEN
        .iter()
        .filter(|(s, want)| gate.flags(s) != *want)
        .map(|(s, want)| format!("{s:?}: {} (JavaScript {want})", gate.flags(s)))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn each_family_alone() {
    for bit in 0..8 {
        let want = 1 << bit;
        let gate = RedactionGate::new(&config(want, &[]));
        for (s, all) in GOLDEN {
            // F_URL is only looked for with F_AT (url_credentials turns both on).
            let expect = if want == F_URL { 0 } else { all & want };
            assert_eq!(gate.flags(s), expect, "want {want}: {s:?}");
        }
    }
    let gate = RedactionGate::new(&config(F_AT | F_URL, &[]));
    assert_eq!(gate.flags("postgres://u:p@h/db"), F_AT | F_URL);
    let off = RedactionGate::new(&config(0, &[]));
    assert!(off.off());
    assert_eq!(off.flags("password=x 4111111111111111 a@b.co"), 0);
    assert!(!RedactionGate::new(&config(F_PAIR, &[])).off());
}

#[test]
fn extra_keys() {
    let gate = RedactionGate::new(&config(255, &["session_id", "x", "key2", "", "_-."]));
    for s in [
        "session-id=v",
        "x=value",
        "X: value",
        "inbox=v",
        "{\"mailbox\":\"v\"}",
        "KEY2: v",
        "apikey2=v",
        "--key2 v",
        "a[x]=v",
    ] {
        assert_eq!(gate.flags(s), F_PAIR, "{s}");
    }
    assert!(gate.secret_key("Session.Id"));
    assert!(gate.secret_key("inbox"));
    assert!(!gate.secret_key("session"));
    assert!(!RedactionGate::new(&config(255, &[])).secret_key("inbox"));
}

#[test]
fn secret_keys_as_javascript_classifies_them() {
    let gate = RedactionGate::new(&config(255, &[]));
    let yes = [
        "password",
        "db_password",
        "X-Api-Key",
        "accessToken",
        "AWS_SECRET_ACCESS_KEY",
        "pass",
        "PWD",
        "p.w.d",
        "Set-Cookie",
        "sig",
        "_pass",
        "client.secret",
        "a_p_i_k_e_y",
        "Authorization",
        "x.token",
        "étoken",
        "SecretAccessKey",
        "-sig",
        "Sig",
        // Separators at the end are ignored like the others.
        "pass_",
        "password_",
        "token-",
        "api-key.",
    ];
    let no = [
        "",
        "password_policy",
        "max_tokens",
        "bypass",
        "oauth",
        "signal",
        "_",
        "x.pass-_.",
        "passport_",
        "tokens",
        "passé",
        "mypwd",
        "x-auth",
        "cookies",
        "pass word",
        "x_pwd",
        "x.sig",
        "api-key2",
    ];
    for k in yes {
        assert!(gate.secret_key(k), "{k}");
    }
    for k in no {
        assert!(!gate.secret_key(k), "{k}");
    }
}

/// Secrets at every position of padded text, across the short-string length and the 64-byte blocks.
#[test]
fn every_position() {
    let gate = RedactionGate::new(&config(255, &[]));
    let secrets: &[(&str, u32)] = &[
        ("4111 1111 1111 1111", F_CARD),
        ("4222222222222", F_CARD),
        ("a@b.co", F_AT),
        ("a://u:p@h", F_AT | F_URL),
        ("eyJAAAAAAA.AA.", F_JWT),
        ("AKIAZQ9VX7WKZQ9VX7WK", F_AWSID),
        ("-----BEGIN PRIVATE KEY-----", F_PEM),
        ("bearer Zq9vX7wK", F_BEARER),
        ("pwd=x", F_PAIR),
        ("token%3Dx", F_PAIR),
        ("--password x", F_PAIR),
        ("user[token]=x", F_PAIR),
    ];
    for &(secret, bits) in secrets {
        for pad in 0..140 {
            for (l, r) in [("x", "y"), (" ", " "), ("é", "€")] {
                let s = format!("{}{secret}{}", l.repeat(pad), r.repeat(pad % 7));
                let s = if secret.starts_with("--") || secret.starts_with("pwd") {
                    format!("{}{secret}", " ".repeat(pad))
                } else {
                    s
                };
                assert_eq!(gate.flags(&s) & bits, bits, "{s:?}");
            }
        }
    }
}

/// The block scan against the plain reference, on random strings of fragments of every family, across blocks.
#[test]
fn block_scan_matches_the_plain_reference() {
    let gates = [
        RedactionGate::new(&config(255, &[])),
        RedactionGate::new(&config(255, &["x", "session_id"])),
        RedactionGate::new(&config(255, &["key2", "7"])),
        RedactionGate::new(&config(F_PAIR | F_PEM, &[])),
        RedactionGate::new(&config(F_CARD | F_BEARER | F_AWSID | F_JWT, &[])),
    ];
    let mut x = crate::testkit::Xorshift32(0x9e37_79b9u32);
    let mut rnd = |n: u32| x.rnd(n);
    let parts = [
        "password",
        "pass_word",
        "PASS-WD",
        "pwd",
        "sig",
        "token",
        "X-Api-Key",
        "auth",
        "x",
        "ts",
        "=",
        ":",
        " : ",
        " = ",
        "%3D",
        "%3d",
        "%3",
        "--",
        "---",
        "-----",
        " --",
        "-",
        "\"",
        "'",
        "\\\"",
        "[",
        "]",
        " ",
        "\t",
        "        ",
        "/",
        "://",
        "@",
        ".",
        ",",
        "&",
        "hunter22",
        "abc",
        "Bearer ",
        "bearer",
        "BEARER",
        "BeArEr",
        "earer",
        "rer",
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "378282246310005",
        "3782 822463 10005",
        "1234",
        "12",
        "0",
        "4111",
        " 1111",
        "-1111",
        "eyJ",
        "ey",
        "J",
        "AKIA",
        "ASIA",
        "AK",
        "IA",
        "A",
        "-----BEGIN ",
        "BEGIN ",
        "a@b.co",
        "é",
        "€",
        "😀",
        "lorem ipsum dolor sit amet, ",
        "key2",
        "7",
        "12:34:56",
        "\"k7\":",
    ];
    let mut s = String::new();
    let mut fired = 0;
    for _ in 0..60_000 {
        s.clear();
        let long = rnd(3) == 0;
        for _ in 0..1 + rnd(if long { 40 } else { 8 }) {
            s.push_str(parts[rnd(parts.len() as u32) as usize]);
        }
        for gate in &gates {
            let want = reference_flags(gate, s.as_bytes());
            fired += usize::from(want != 0);
            assert_eq!(gate.flags(&s), want, "{s:?} want {}", gate.want);
        }
    }
    assert!(fired > 50_000, "{fired}");
}

/// Random and truncated strings: no panic, no endless loop.
#[test]
fn never_panics() {
    let gate = RedactionGate::new(&config(255, &["x"]));
    let mut x = crate::testkit::Xorshift32(0x2545_f491u32);
    let mut rnd = |n: u32| x.rnd(n);
    let parts = [
        "password",
        "pwd",
        "=",
        ":",
        "%3D",
        "%3",
        "%",
        "--",
        "-",
        "[",
        "]",
        "\"",
        "'",
        "\\",
        " ",
        "\t",
        "@",
        "://",
        "eyJ",
        "AKIA",
        "-----BEGIN ",
        "earer",
        "EARER",
        "4111",
        " ",
        "1",
        "é",
        "€",
        "😀",
        "x",
        "b",
        "A",
        "S",
        "K",
    ];
    let mut s = String::new();
    for n in 0..50_000 {
        s.clear();
        for _ in 0..rnd(30) {
            s.push_str(parts[rnd(parts.len() as u32) as usize]);
        }
        let _ = gate.flags(&s);
        let _ = gate.secret_key(&s);
        if n % 10 != 0 {
            continue;
        }
        for cut in 0..s.len() {
            if s.is_char_boundary(cut) {
                let _ = gate.flags(&s[cut..]);
                let _ = gate.flags(&s[..cut]);
            }
        }
    }
}

/// Throughput over a file of lines: `GATE_BENCH=path cargo test --release --lib gate::tests::bench -- --ignored
/// --nocapture` (one line per event, as the engine calls the gate for token lines).
#[test]
#[ignore]
fn bench() {
    let Ok(path) = std::env::var("GATE_BENCH") else { return };
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let gate = RedactionGate::new(&config(255, &[]));
    let mut fired = 0usize;
    let start = std::time::Instant::now();
    let rounds = 5;
    for _ in 0..rounds {
        for l in &lines {
            fired += usize::from(gate.flags(l) != 0);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    // Calibration: one memchr over each line, and the block masks alone.
    let t = std::time::Instant::now();
    let mut hits = 0usize;
    for _ in 0..rounds {
        for l in &lines {
            hits += usize::from(memchr::memchr(1, l.as_bytes()).is_some());
        }
    }
    let memchr_secs = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    for _ in 0..rounds {
        for l in &lines {
            for chunk in l.as_bytes().chunks(64) {
                let mut block = [0u8; 64];
                block[..chunk.len()].copy_from_slice(chunk);
                hits += (block_masks(std::hint::black_box(&block)).sep & 1) as usize;
            }
        }
    }
    let masks_secs = t.elapsed().as_secs_f64();
    println!(
        "  memchr {:.2} GB/s, masks {:.2} GB/s ({hits})",
        (bytes * rounds) as f64 / memchr_secs / 1e9,
        (bytes * rounds) as f64 / masks_secs / 1e9
    );
    println!(
        "{path}: {} lines, {:.0} B/line, {:.2} GB/s, {:.1} ns/line, fired {:.4}%",
        lines.len(),
        bytes as f64 / lines.len() as f64,
        (bytes * rounds) as f64 / secs / 1e9,
        secs * 1e9 / (lines.len() * rounds) as f64,
        100.0 * fired as f64 / (lines.len() * rounds) as f64
    );
}

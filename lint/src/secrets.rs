//! Secret patterns: Shopify tokens and secrets, Supabase secret keys and service-role JWTs, URLs
//! with an embedded password, literal `X-Shopify-Access-Token` values. Findings carry only a
//! redacted form of the secret.

use regex::bytes::Regex;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The kinds of secret the patterns find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    /// `shpat_`, `shpca_`, `shppa_`, `shpss_` and 32 hex digits.
    ShopifyToken,
    /// `sb_secret_...`.
    SupabaseSecretKey,
    /// A JWT whose payload claims `"role": "service_role"`.
    SupabaseServiceRoleJwt,
    /// `scheme://user:password@host`.
    PasswordUrl,
    /// A literal value given to the `X-Shopify-Access-Token` header.
    AccessTokenHeader,
    /// A password given as a parameter: a URL query's `password=`, a connection string's
    /// `Password=`/`PWD=`, a libpq `password=`.
    PasswordParameter,
}

impl SecretKind {
    /// What it is, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            SecretKind::ShopifyToken => "Shopify access token or secret",
            SecretKind::SupabaseSecretKey => "Supabase secret key",
            SecretKind::SupabaseServiceRoleJwt => "Supabase service-role JWT",
            SecretKind::PasswordUrl => "URL with an embedded password",
            SecretKind::AccessTokenHeader => "literal X-Shopify-Access-Token value",
            SecretKind::PasswordParameter => "password in a connection string or URL query",
        }
    }
}

impl std::fmt::Display for SecretKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub kind: SecretKind,
    /// The secret with all but a few characters masked.
    pub redacted: String,
    pub start: usize,
    pub end: usize,
    /// SHA-256 of the secret, to recognise the same secret in two places (the file scan and
    /// history) without keeping it. Never printed: a weak password falls to a dictionary.
    pub digest: [u8; 32],
    /// The byte range of the part to mask when the text around it is shown (the password of a
    /// URL, else the whole secret), relative to the text searched.
    pub mask: std::ops::Range<usize>,
}

/// The marker that excuses a finding on its line or the line below, with a reason after it:
/// `// clientwall:allow(hardcoded-secret): fake token for the parser test`.
pub const ALLOW_MARKER: &str = "clientwall:allow(hardcoded-secret)";

/// The secret patterns, one alternation with a named group per kind. Defined once: the scan,
/// history, the output redaction and the benchmark baselines all use this text. ASCII classes
/// only (`(?-u)`): a Unicode `\s` in a negated class makes the automaton too large for the lazy
/// DFA, which then leaves every search to the slowest engine.
pub const PATTERN_SOURCE: &str = concat!(
    r"(?-u)(?P<shopify>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})",
    r"|(?P<supabase>sb_secret_[A-Za-z0-9_\-]{16,})",
    // A JWT whatever the JSON formatting inside: `{"` encodes as `eyJ`, `{ ` as `eyA`, `{` and a
    // line break as `ewo`/`ew0` (a pretty-printed payload).
    r"|(?P<jwt>e(?:yJ|yA|wo|w0)[A-Za-z0-9_\-]{7,}\.e[yw][A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})",
    // `scheme://user:password@host`, the user possibly empty (`redis://:password@host`). The
    // password runs to the last `@` (as URL parsers read `p@ss@host`), the host to a separator
    // (a list of URLs is each URL); a host written as a placeholder (`@<host>`, `@${HOST}`)
    // still ends a password. The scheme is matched unbounded and cut to its last 21 characters
    // afterwards ([`url_start`]): a counted repetition at an unanchored start makes the
    // automaton explode on every identifier, and the search fall back to its slowest engine.
    // A `#` or `?` before the `:` starts a fragment or a query, so
    // `path+file://[..]#foo::bar@0.0.1` (a cargo package ID) holds no password.
    r#"|(?P<url>[a-zA-Z][a-zA-Z0-9+.\-]+://[^\s:/@'"`<>#?]*:(?P<password>[^\s/'"`<>]+)@[^\s'"`,;]*)"#,
    // The header's value wherever a header is set: `Name: value` (HTTP, YAML, curl -H),
    // `"Name": "value"` (JSON, YAML, JS, Python), `Name = "value"` (TOML), `["Name"] = "value"`,
    // `"Name" => "value"` (Ruby, PHP), `("Name", "value")` and `HeaderValue::from_static(..)`
    // (Rust, Go and other HTTP clients), `-`/`_` separated and in any case.
    r#"|(?i:x[-_]shopify[-_]access[-_]token)["']?\]?[ \t]*(?:,\s*|(?::|=>?)[ \t]*)"#,
    r#"(?:HeaderValue::from_(?:static|str)\(\s*)?["']?(?P<header>[A-Za-z0-9_\-]{16,})"#,
    // A password given as a parameter: a URL's query (`?user=u&password=…`), a JDBC, ODBC or
    // SQL Server connection string (`;Password=…;`, `PWD={…}`), a libpq key/value string
    // (`host=db password=…`). Which of these a match is, is told by what surrounds it
    // ([`parameter_context`]).
    r#"|(?P<param>(?i:password|passwd|pwd))[ \t]*=[ \t]*(?P<pvalue>\{[^}\r\n]*\}|'[^'\r\n]*'|[^\s;&#'"`<>]+)"#,
);

static PATTERN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(PATTERN_SOURCE).expect("secret patterns compile"));

/// The compiled [`PATTERN_SOURCE`].
pub fn pattern() -> &'static Regex {
    &PATTERN
}

/// The literal parts of the patterns, lower case: every match holds one of them (in some case)
/// within `LOOK_BEHIND` bytes of its start. One vectorised pass over the text folded to lower
/// case finds them (case-sensitive needles keep the packed SIMD search, which a
/// case-insensitive automaton loses); the patterns run only in a window around each.
pub const NEEDLES: &[&str] = &[
    "shp",
    "sb_secret_",
    "eyj",
    "eya",
    "ewo",
    "ew0",
    "://",
    "shopify",
    "passw",
    "pwd",
];

/// How far before a needle a match can start (a URL's scheme before its `://`).
const LOOK_BEHIND: usize = 32;

/// A search for any of a few literals: Teddy, the packed SIMD multi-substring searcher, where
/// the CPU has it; else the automaton. The needle search, and the scan's other literal
/// prefilters.
pub(crate) enum NeedleFinder {
    Packed(aho_corasick::packed::Searcher),
    Automaton(aho_corasick::AhoCorasick),
}

impl NeedleFinder {
    pub(crate) fn new(needles: &[&str]) -> NeedleFinder {
        match aho_corasick::packed::Searcher::new(needles) {
            Some(packed) => NeedleFinder::Packed(packed),
            None => NeedleFinder::Automaton(
                aho_corasick::AhoCorasick::new(needles).expect("needles compile"),
            ),
        }
    }

    pub(crate) fn is_match(&self, haystack: &[u8]) -> bool {
        match self {
            NeedleFinder::Packed(packed) => packed.find(haystack).is_some(),
            NeedleFinder::Automaton(automaton) => automaton.is_match(haystack),
        }
    }

    fn find_iter<'h>(
        &'h self,
        haystack: &'h [u8],
    ) -> Box<dyn Iterator<Item = aho_corasick::Match> + 'h> {
        match self {
            NeedleFinder::Packed(packed) => Box::new(packed.find_iter(haystack)),
            NeedleFinder::Automaton(automaton) => Box::new(automaton.find_iter(haystack)),
        }
    }
}

static NEEDLE_FINDER: LazyLock<NeedleFinder> = LazyLock::new(|| NeedleFinder::new(NEEDLES));

/// `text` in ASCII lower case, in a buffer each thread reuses, given to `f`.
fn with_folded<R>(text: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    thread_local! {
        static FOLDED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    FOLDED.with(|cell| {
        let mut folded = cell.take();
        folded.clear();
        folded.extend(text.iter().map(u8::to_ascii_lowercase));
        let result = f(&folded);
        // A file-sized buffer is kept for the next file, not a pathological one.
        if folded.capacity() <= 16 << 20 {
            cell.replace(folded);
        }
        result
    })
}

/// Could `text` hold a secret at all? (One vectorised scan, much cheaper than the patterns.)
pub fn may_contain(text: &[u8]) -> bool {
    with_folded(text, |folded| NEEDLE_FINDER.is_match(folded))
}

/// Whether `f` says yes to some needle of `text` (its byte range), asked in order.
pub(crate) fn any_needle(text: &[u8], mut f: impl FnMut(std::ops::Range<usize>) -> bool) -> bool {
    with_folded(text, |folded| {
        NEEDLE_FINDER.find_iter(folded).any(|m| f(m.range()))
    })
}

/// The parts of `text` the patterns must run over: around each needle, from [`LOOK_BEHIND`]
/// bytes before it to the end of its line and of the next two lines that are not blank (the
/// header pattern allows line breaks after a comma and inside `from_static(`), overlapping
/// windows merged. Every match of the patterns lies inside one window, and a search of the
/// windows finds what a search of the whole text does.
fn windows(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    windows_and_needles(text).0
}

/// [`windows`], and whether `text` holds a needle at all (a `://` that opens no window too).
fn windows_and_needles(text: &[u8]) -> (Vec<std::ops::Range<usize>>, bool) {
    with_folded(text, |folded| {
        let mut out: Vec<std::ops::Range<usize>> = Vec::new();
        let mut any = false;
        // The end of the line of the last needle whose window was taken: a needle before it
        // is on that same line, and its window ends where that one does.
        let mut same_line = 0;
        for needle in NEEDLE_FINDER.find_iter(folded) {
            any = true;
            if needle.start() < same_line {
                continue;
            }
            // Most `://` are URLs without a password: only the URL pattern has this needle,
            // and it cannot match here unless a `:` ends the user part and an `@` the password.
            if &folded[needle.range()] == b"://" && !may_hold_password(text, needle.end()) {
                continue;
            }
            let start = needle.start().saturating_sub(LOOK_BEHIND);
            let mut end = line_end(text, needle.end());
            same_line = end;
            for _ in 0..2 {
                let blank = text[end..].iter().take_while(|b| b.is_ascii_whitespace());
                end = line_end(text, end + blank.count());
            }
            match out.last_mut() {
                Some(last) if start <= last.end => last.end = end,
                _ => out.push(start..end),
            }
        }
        (out, any)
    })
}

/// Could the URL pattern's `[^\s:/@'"`<>#?]*:[^\s/'"`<>]+@` match at `from` (just after a
/// `://`)? A user part up to a `:`, then a password run holding an `@`. (`\s` is ASCII
/// whitespace with the vertical tab, as in the `(?-u)` patterns.)
fn may_hold_password(text: &[u8], from: usize) -> bool {
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let quote = |b: u8| matches!(b, b'\'' | b'"' | b'`' | b'<' | b'>');
    let rest = &text[from.min(text.len())..];
    let user = rest
        .iter()
        .position(|&b| space(b) || quote(b) || matches!(b, b':' | b'/' | b'@' | b'#' | b'?'));
    let Some(colon) = user.filter(|&at| rest[at] == b':') else {
        return false;
    };
    rest[colon + 1..]
        .iter()
        .take_while(|&&b| !(space(b) || quote(b) || b == b'/'))
        .any(|&b| b == b'@')
}

fn line_end(text: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &text[from..]).map_or(text.len(), |i| from + i)
}

/// Every secret in `text`, skipping those excused by an allow marker with a reason.
pub fn find(text: &[u8]) -> Vec<Secret> {
    find_with_candidates(text).0
}

/// [`find`], and whether `text` holds a needle at all ([`may_contain`]): one pass over the
/// text answers both.
pub fn find_with_candidates(text: &[u8]) -> (Vec<Secret>, bool) {
    let (windows, candidates) = windows_and_needles(text);
    let found = find_in_windows(text, windows)
        .into_iter()
        .filter(|(_, whole)| !excused(text, whole.start))
        .map(|(secret, _)| secret)
        .collect();
    (found, candidates)
}

/// Every secret in `text`, allow markers or not (output is redacted whatever a marker says),
/// each with the range of the whole match.
pub fn find_all(text: &[u8]) -> Vec<(Secret, std::ops::Range<usize>)> {
    find_in_windows(text, windows(text))
}

fn find_in_windows(
    text: &[u8],
    windows: Vec<std::ops::Range<usize>>,
) -> Vec<(Secret, std::ops::Range<usize>)> {
    let mut found = Vec::new();
    for window in windows {
        let haystack = &text[..window.end];
        let mut at = window.start;
        while let Some(caps) = PATTERN.captures_at(haystack, at) {
            let whole = caps.get(0).expect("group 0 always matches");
            at = whole.end().max(whole.start() + 1);
            confirm(text, &caps, &mut found);
        }
    }
    found
}

/// What one match of the patterns is: the secret it holds, if any, and the secrets inside it
/// (the user part, host, path and query of a URL).
fn confirm(
    text: &[u8],
    caps: &regex::bytes::Captures<'_>,
    found: &mut Vec<(Secret, std::ops::Range<usize>)>,
) {
    {
        let whole = caps.get(0).expect("group 0 always matches");
        // Secrets inside the host, path or query of a URL the pattern took whole
        // (`https://u:pw@shop/admin?access_token=shpat_…`), found after the URL's own.
        let mut after = Vec::new();
        let secret = if let Some(m) = caps.name("shopify") {
            Some((
                SecretKind::ShopifyToken,
                redact_token(m.as_bytes()),
                m.range(),
                m.range(),
            ))
        } else if let Some(m) = caps.name("supabase") {
            Some((
                SecretKind::SupabaseSecretKey,
                redact_token(m.as_bytes()),
                m.range(),
                m.range(),
            ))
        } else if let Some(m) = caps.name("jwt") {
            is_service_role(m.as_bytes()).then(|| {
                let redacted = redact_token(m.as_bytes());
                (
                    SecretKind::SupabaseServiceRoleJwt,
                    redacted,
                    m.range(),
                    m.range(),
                )
            })
        } else if let (Some(url), Some(password)) = (caps.name("url"), caps.name("password")) {
            let url = url_start(text, url.start())..url.end();
            // A secret in the user part (`https://shpat_…:x@host`) is a secret of its own, and
            // the URL's redacted form must not show it.
            let user = url.start..password.start();
            let inner = find_all(&text[user.clone()]);
            let mut shown = String::new();
            let mut copied = user.start;
            for (secret, _) in &inner {
                let at = user.start + secret.mask.start;
                shown.push_str(&String::from_utf8_lossy(&text[copied..at]));
                shown.push_str(&secret.redacted);
                copied = user.start + secret.mask.end;
            }
            shown.push_str(&String::from_utf8_lossy(&text[copied..user.end]));
            found.extend(shifted(inner, user.start));
            // The `@` ends the password; what follows is the host, path and query.
            let rest = password.end() + 1..url.end;
            after = shifted(find_all(&text[rest.clone()]), rest.start);
            is_literal_password(password.as_bytes()).then(|| {
                shown.push_str("****@…");
                (SecretKind::PasswordUrl, shown, url, password.range())
            })
        } else if let (Some(key), Some(value)) = (caps.name("param"), caps.name("pvalue")) {
            (parameter_context(text, key.start(), value.end())
                && is_literal_parameter(value.as_bytes()))
            .then(|| {
                let shown = format!("{}=****", String::from_utf8_lossy(key.as_bytes()));
                (
                    SecretKind::PasswordParameter,
                    shown,
                    value.range(),
                    value.range(),
                )
            })
        } else {
            caps.name("header")
                .filter(|m| m.as_bytes().iter().any(u8::is_ascii_digit))
                .map(|m| {
                    let redacted = redact_token(m.as_bytes());
                    (
                        SecretKind::AccessTokenHeader,
                        redacted,
                        m.range(),
                        m.range(),
                    )
                })
        };
        if let Some((kind, redacted, range, mask)) = secret {
            let digest = Sha256::digest(&text[range.clone()]).into();
            found.push((
                Secret {
                    kind,
                    redacted,
                    start: range.start,
                    end: range.end,
                    digest,
                    mask,
                },
                whole.range(),
            ));
        }
        found.append(&mut after);
    }
}

/// Where the URL whose scheme the pattern matched from `start` begins: its scheme is at most 21
/// characters, starting with a letter (`[a-zA-Z][a-zA-Z0-9+.-]{1,20}`), the last of the run.
fn url_start(text: &[u8], start: usize) -> usize {
    let Some(separator) = memchr::memmem::find(&text[start..], b"://").map(|i| start + i) else {
        return start;
    };
    let earliest = separator.saturating_sub(21).max(start);
    (earliest..separator)
        .find(|&i| text[i].is_ascii_alphabetic() && separator - i >= 2)
        .unwrap_or(start)
}

/// Secrets found in a slice that starts at `offset`, moved to the whole text's offsets.
fn shifted(
    inner: Vec<(Secret, std::ops::Range<usize>)>,
    offset: usize,
) -> Vec<(Secret, std::ops::Range<usize>)> {
    inner
        .into_iter()
        .map(|(mut secret, whole)| {
            secret.start += offset;
            secret.end += offset;
            secret.mask = secret.mask.start + offset..secret.mask.end + offset;
            (secret, whole.start + offset..whole.end + offset)
        })
        .collect()
}

/// Is there an allow marker with a non-empty reason on the line of `offset` or the line above?
pub fn excused(text: &[u8], offset: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &text[..offset]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &text[offset..]).map_or(text.len(), |i| offset + i);
    let prev_start = if line_start == 0 {
        0
    } else {
        memchr::memrchr(b'\n', &text[..line_start - 1]).map_or(0, |i| i + 1)
    };
    let region = &text[prev_start..line_end];
    let marker = ALLOW_MARKER.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&region[from..], marker) {
        let after = &region[from + i + marker.len()..];
        let line = after.split(|&b| b == b'\n').next().unwrap_or_default();
        if let Some(reason) = line.strip_prefix(b":")
            && reason.iter().any(|b| b.is_ascii_alphanumeric())
        {
            return true;
        }
        from += i + marker.len();
    }
    false
}

/// `shpat_1a2b…` (keeps the prefix and four characters).
fn redact_token(token: &[u8]) -> String {
    let text = String::from_utf8_lossy(token);
    let keep = text
        .find('_')
        .map_or(4, |i| i + 5)
        .min(text.len().saturating_sub(4))
        .min(12);
    let shown: String = text.chars().take(keep).collect();
    format!("{shown}… ({} characters)", text.chars().count())
}

/// Placeholders and environment interpolation are not passwords: `$VAR`, `${VAR}`, `{name}`,
/// `<password>`, `%s`, `%(name)s`, `%NAME%`, masks (`****`, `***_1`, `xxxx`). A `%` followed by
/// anything else is a percent-encoded password (`%21secret`).
fn is_literal_password(password: &[u8]) -> bool {
    let text = String::from_utf8_lossy(password);
    let placeholder = text.is_empty()
        || text.starts_with('$')
        || text.starts_with('{')
        || text.starts_with('<')
        || text.starts_with("***")
        || is_percent_placeholder(&text)
        || text.chars().all(|c| c == '*' || c == 'x' || c == 'X');
    !placeholder
}

/// `%s`, `%(name)s`, `%{name}`, `%NAME%`: printf, Python and Windows placeholders.
fn is_percent_placeholder(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('%') else {
        return false;
    };
    let name = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    rest == "s"
        || (rest.starts_with('(') && rest.ends_with(")s"))
        || rest.starts_with('{')
        || rest.strip_suffix('%').is_some_and(name)
}

/// A parameter's value, unquoted: `'…'` (libpq) and `{…}` (ODBC) quote a password, but `{}`,
/// `{0}` and `{name}` are format placeholders; `?` is a bound parameter.
fn is_literal_parameter(value: &[u8]) -> bool {
    let inner = if let Some(quoted) = value.strip_prefix(b"'") {
        quoted.strip_suffix(b"'").unwrap_or(quoted)
    } else if let Some(braced) = value.strip_prefix(b"{") {
        let braced = braced.strip_suffix(b"}").unwrap_or(braced);
        let format = braced
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'?'));
        if format {
            return false;
        }
        braced
    } else {
        value
    };
    inner != b"?" && is_literal_password(inner)
}

/// Is the `password=` at `key` (its value ending at `value_end`) a parameter of a connection
/// string or URL, rather than a variable or an argument in code? After `?`, `&` or `;` it is;
/// followed by `;` on a line of `name=value` pairs it is (`Password=…;Server=…`); separated by
/// whitespace on a line that names a libpq `host=`, `dbname=`, `user=` or `port=` it is. Part
/// of a longer name (`db_password=`, `PGPASSWORD=`) it is not.
fn parameter_context(text: &[u8], key: usize, value_end: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &text[..key]).map_or(0, |i| i + 1);
    let line = &text[line_start..line_end(text, value_end)];
    let before = &text[line_start..key];
    let immediate = before.last().copied();
    if immediate.is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        return false;
    }
    let previous = before
        .iter()
        .rev()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t'));
    if matches!(previous, Some(b'?' | b'&' | b';')) {
        return true;
    }
    let pairs = line.iter().filter(|&&b| b == b'=').count();
    if text.get(value_end) == Some(&b';') && pairs >= 2 {
        return true;
    }
    let libpq = ["host=", "hostaddr=", "dbname=", "user=", "port="]
        .iter()
        .any(|k| memchr::memmem::find(line, k.as_bytes()).is_some());
    libpq
        && matches!(immediate, None | Some(b' ' | b'\t' | b'"' | b'\''))
        && !matches!(previous, Some(b',' | b'('))
}

/// Does the JWT's payload claim `"role": "service_role"`?
fn is_service_role(jwt: &[u8]) -> bool {
    let Some(payload) = jwt.split(|&b| b == b'.').nth(1) else {
        return false;
    };
    let Some(decoded) = base64url_decode(payload) else {
        return false;
    };
    // Whatever the JSON's formatting: parsed when it parses, else with its whitespace removed.
    if let Ok(serde_json::Value::Object(claims)) = serde_json::from_slice(&decoded) {
        return claims.get("role").and_then(|r| r.as_str()) == Some("service_role");
    }
    let compact: Vec<u8> = decoded
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    memchr::memmem::find(&compact, br#""role":"service_role""#).is_some()
}

fn base64url_decode(input: &[u8]) -> Option<Vec<u8>> {
    let value = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in input.iter().take_while(|&&b| b != b'=') {
        acc = (acc << 6) | value(b)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The secrets a TOML file's strings hold once their escapes and line-ending backslashes are
/// processed (`"""shpat_0123\<newline>    4567.."""`, `"\u0073hpat_.."`), as whatever parses the
/// file reads them, that their source text does not already show: each at its string. A file
/// that does not parse, or holds no backslash, has none.
pub fn in_toml_strings(text: &str) -> Vec<Secret> {
    if !text.contains('\\') {
        return Vec::new();
    }
    let Ok(doc) = toml_edit::Document::parse(text) else {
        return Vec::new();
    };
    let mut strings = Vec::new();
    collect_toml_strings(doc.as_item(), &mut strings);
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (value, span) in strings {
        let source = &bytes[span.clone()];
        if !source.contains(&b'\\') {
            continue;
        }
        let written = find_all(source);
        for mut secret in find(value.as_bytes()) {
            let shown = &value.as_bytes()[secret.mask.clone()];
            let already = written
                .iter()
                .any(|(w, _)| w.kind == secret.kind && &source[w.mask.clone()] == shown);
            if already || excused(bytes, span.start) {
                continue;
            }
            secret.start = span.start;
            secret.end = span.end;
            out.push(secret);
        }
    }
    out
}

/// Every string value (in tables, arrays and inline tables) under `item`, with its span.
fn collect_toml_strings(item: &toml_edit::Item, out: &mut Vec<(String, std::ops::Range<usize>)>) {
    fn value(v: &toml_edit::Value, out: &mut Vec<(String, std::ops::Range<usize>)>) {
        match v {
            toml_edit::Value::String(s) => {
                if let Some(span) = s.span() {
                    out.push((s.value().clone(), span));
                }
            }
            toml_edit::Value::Array(array) => array.iter().for_each(|v| value(v, out)),
            toml_edit::Value::InlineTable(table) => table.iter().for_each(|(_, v)| value(v, out)),
            _ => {}
        }
    }
    match item {
        toml_edit::Item::Value(v) => value(v, out),
        toml_edit::Item::Table(table) => {
            table.iter().for_each(|(_, i)| collect_toml_strings(i, out))
        }
        toml_edit::Item::ArrayOfTables(tables) => tables
            .iter()
            .for_each(|t| t.iter().for_each(|(_, i)| collect_toml_strings(i, out))),
        toml_edit::Item::None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<&'static str> {
        find(text.as_bytes())
            .into_iter()
            .map(|s| s.kind.describe())
            .collect()
    }

    /// A fake token, assembled so that this file holds no token-shaped string.
    static TOKEN: LazyLock<String> =
        LazyLock::new(|| format!("shp{}_{}", "at", "0123456789abcdef".repeat(2)));

    #[test]
    fn finds_each_kind_and_redacts() {
        let token = &*TOKEN;
        let found = find(format!("let t = \"{token}\";").as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].redacted, "shpat_0123… (38 characters)");
        assert!(!found[0].redacted.contains(token));
        assert_eq!(
            kinds(&format!("key = \"sb_{}_abcdefghijklmnop1234\"", "secret")),
            ["Supabase secret key"]
        );
        assert_eq!(
            kinds("DATABASE_URL=postgres://app:hunter2@db.example.com/acme"),
            ["URL with an embedded password"]
        );
        assert_eq!(
            kinds("-H 'X-Shopify-Access-Token: abcdefabcdef0123456789'"),
            ["literal X-Shopify-Access-Token value"]
        );
        assert_eq!(
            kinds(r#".header("X-Shopify-Access-Token", "abcdefabcdef0123456789")"#),
            ["literal X-Shopify-Access-Token value"]
        );
    }

    #[test]
    fn a_password_without_a_user() {
        assert_eq!(
            kinds("REDIS_URL=redis://:s3cr3t-pw@cache.internal:6379/0"),
            ["URL with an embedded password"]
        );
        let found = find(b"redis://:s3cr3t-pw@cache/0");
        assert_eq!(found[0].redacted, "redis://:****@…");
        assert!(kinds("redis://cache.internal:6379/0").is_empty());
        assert!(kinds("redis://user:@cache/0").is_empty(), "no password");
    }

    #[test]
    fn secrets_after_a_urls_password_are_found_and_redacted() {
        let token = &*TOKEN;
        let key = format!("sb_{}_abcdefghijklmnopq", "secret");
        for (url, expected) in [
            (
                format!("https://u:pw@shop.example.com/admin?access_token={token}"),
                vec![
                    "URL with an embedded password",
                    "Shopify access token or secret",
                ],
            ),
            (
                format!("postgres://app:${{PW}}@db/x?key={key}"),
                vec!["Supabase secret key"],
            ),
        ] {
            assert_eq!(kinds(&url), expected, "{url}");
            let shown = crate::redact::text(&url);
            assert!(
                !shown.contains(token.as_str()) && !shown.contains(&key),
                "{shown}"
            );
        }
    }

    #[test]
    fn access_token_header_in_every_common_syntax() {
        let value = "a1b2c3d4e5f6a7b8c9d0e1f2";
        let forms = [
            format!("X-Shopify-Access-Token: {value}"),
            format!("  X-Shopify-Access-Token: \"{value}\""),
            format!("  X-Shopify-Access-Token: '{value}'"),
            format!("\"X-Shopify-Access-Token\": \"{value}\""),
            format!("{{\"X-Shopify-Access-Token\":\"{value}\"}}"),
            format!("'X-Shopify-Access-Token': {value}"),
            format!("X-Shopify-Access-Token = \"{value}\""),
            format!("\"X-Shopify-Access-Token\" = \"{value}\""),
            format!("curl -H \"X-Shopify-Access-Token: {value}\" https://x"),
            format!("curl --header 'x-shopify-access-token:{value}' https://x"),
            format!(".header(\"X-Shopify-Access-Token\", \"{value}\")"),
            format!(".header(\n    \"X-Shopify-Access-Token\",\n    \"{value}\",\n)"),
            format!(
                "headers.insert(\"x-shopify-access-token\", HeaderValue::from_static(\"{value}\"));"
            ),
            format!("req.Header.Set(\"X-Shopify-Access-Token\", \"{value}\")"),
            format!("headers = {{'X-Shopify-Access-Token': '{value}'}}"),
            format!("headers[\"X-Shopify-Access-Token\"] = \"{value}\""),
            format!("'X-Shopify-Access-Token' => '{value}'"),
            format!("HTTP_X_SHOPIFY_ACCESS_TOKEN={value}"),
        ];
        for form in &forms {
            let found = find(form.as_bytes());
            assert_eq!(found.len(), 1, "{form}");
            assert_eq!(found[0].kind, SecretKind::AccessTokenHeader, "{form}");
            assert_eq!(
                &form.as_bytes()[found[0].start..found[0].end],
                value.as_bytes()
            );
        }
    }

    #[test]
    fn access_token_header_clean_twins() {
        for form in [
            "X-Shopify-Access-Token: ${SHOPIFY_ACCESS_TOKEN}",
            "X-Shopify-Access-Token: YOUR_ACCESS_TOKEN_HERE",
            "\"X-Shopify-Access-Token\": token.expose()",
            ".header(\"X-Shopify-Access-Token\", HeaderValue::from_str(&token)?)",
            "X-Shopify-Access-Token:\n  - described below",
            "the X-Shopify-Access-Token header carries the token",
        ] {
            assert!(kinds(form).is_empty(), "{form}");
        }
    }

    #[test]
    fn the_digest_names_the_secret_not_the_place() {
        let token = &*TOKEN;
        let a = find(format!("a = \"{token}\"").as_bytes());
        let b = find(format!("\n\n  b: {token}").as_bytes());
        assert_eq!(a[0].digest, b[0].digest);
        let other = token.replace('0', "1");
        assert_ne!(find(other.as_bytes())[0].digest, a[0].digest);
    }

    #[test]
    fn service_role_jwt_only() {
        // {"alg":"HS256"} . {"role":"service_role"} . sig
        let service = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlMTIz";
        // {"role":"anon"}
        let anon = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJlMTIz";
        assert_eq!(kinds(service), ["Supabase service-role JWT"]);
        assert!(kinds(anon).is_empty());
    }

    #[test]
    fn clean_twins() {
        assert!(kinds(".header(\"X-Shopify-Access-Token\", token.expose())").is_empty());
        assert!(kinds("url = \"postgres://localhost/acme\"").is_empty());
        assert!(kinds("url = \"postgres://app:${PASSWORD}@localhost/acme\"").is_empty());
        assert!(kinds("shpat_ is the prefix of Admin API tokens").is_empty());
        assert!(
            kinds("shpat_0123456789abcdef0123456789abcdeg").is_empty(),
            "not hex"
        );
    }

    #[test]
    fn inline_allow_needs_a_reason() {
        let token = &*TOKEN;
        let allowed = format!(
            "// clientwall:allow(hardcoded-secret): fake token for tests\nlet t = \"{token}\";"
        );
        assert!(kinds(&allowed).is_empty());
        let same_line =
            format!("let t = \"{token}\"; # clientwall:allow(hardcoded-secret): fixture");
        assert!(kinds(&same_line).is_empty());
        let no_reason = format!("// clientwall:allow(hardcoded-secret)\nlet t = \"{token}\";");
        assert_eq!(kinds(&no_reason).len(), 1);
        let too_far = format!("// clientwall:allow(hardcoded-secret): x\n\nlet t = \"{token}\";");
        assert_eq!(kinds(&too_far).len(), 1);
    }

    /// Every secret of `text` is masked in what clientwall prints of it.
    fn assert_redacted(text: &str, secret: &str) {
        let shown = crate::redact::text(text);
        assert!(!shown.contains(secret), "{shown}");
        let source = crate::redact::source(text);
        assert!(!source.contains(secret), "{source}");
    }

    #[test]
    fn a_schemes_run_is_cut_to_21_characters() {
        let text = format!("{}https://u:hunter2@h", "a".repeat(40));
        let found = find(text.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start, 40 + 5 - 21);
        assert_eq!(
            found[0].redacted,
            format!("{}https://u:****@…", "a".repeat(16))
        );
        assert!(
            kinds("x://u:hunter2@h").is_empty(),
            "a scheme has two characters at least"
        );
        let b = find(b"https://u:hunter2@h");
        assert_eq!(b[0].start, 0);
    }

    #[test]
    fn a_cargo_package_id_is_no_password_url() {
        assert!(kinds("path+file://[..]#foo::bar@0.0.1").is_empty());
        assert!(kinds("path+file:///home/u/ws/foo#foo::bar@0.0.1").is_empty());
        assert!(
            kinds("registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0").is_empty()
        );
        // Its breach twin: the same shape with a real user and password.
        assert_eq!(
            kinds("git+https://deploy:hunter2@git.example.com/foo#bar@0.0.1"),
            ["URL with an embedded password"]
        );
    }

    #[test]
    fn a_fragment_before_user_pass_is_no_password() {
        assert!(kinds("https://user#name:password@domain/a/b/c").is_empty());
        assert!(kinds("https://host/?q=a:b@c").is_empty());
        assert_eq!(
            kinds("https://user:password1@domain/a/b/c#name"),
            ["URL with an embedded password"]
        );
    }

    #[test]
    fn masked_placeholders_are_no_password() {
        for text in [
            "https://user:***_1@example.com/simple",
            "https://user:****@example.com/",
            "https://user:xxxx@example.com/",
        ] {
            assert!(kinds(text).is_empty(), "{text}");
        }
        assert_eq!(
            kinds("https://user:s3cr3t_1@example.com/simple"),
            ["URL with an embedded password"]
        );
    }

    #[test]
    fn a_password_starting_with_percent_is_found() {
        let text = "https://u:%21secret@host/";
        assert_eq!(kinds(text), ["URL with an embedded password"]);
        assert_redacted(text, "%21secret");
        for placeholder in [
            "https://u:%s@host/",
            "postgres://u:%(password)s@host/db",
            "postgres://u:%DB_PASSWORD%@host/db",
        ] {
            assert!(kinds(placeholder).is_empty(), "{placeholder}");
        }
    }

    #[test]
    fn a_placeholder_host_does_not_hide_a_password() {
        for text in [
            "postgres://app:hunter2@<host>:5432/db",
            "postgres://app:hunter2@${DB_HOST}:5432/db",
            "postgres://app:hunter2@",
        ] {
            assert_eq!(kinds(text), ["URL with an embedded password"], "{text}");
            assert_redacted(text, "hunter2");
        }
        let libpq = "host=${DB_HOST} dbname=app user=app password=hunter2";
        assert_eq!(
            kinds(libpq),
            ["password in a connection string or URL query"]
        );
        assert!(kinds("postgres://app:${DB_PASSWORD}@<host>/db").is_empty());
    }

    #[test]
    fn passwords_in_url_query_parameters() {
        for (text, secret) in [
            (
                "https://db.example.com/x?user=u&password=hunter2",
                "hunter2",
            ),
            (
                "mysql://db.example.com/app?pwd=Hunter-22&ssl=true",
                "Hunter-22",
            ),
            ("\"https://h/login?PASSWORD=s3cret#top\"", "s3cret"),
        ] {
            assert_eq!(
                kinds(text),
                ["password in a connection string or URL query"],
                "{text}"
            );
            assert_redacted(text, secret);
        }
        for clean in [
            "https://db.example.com/x?user=u&password=${DB_PASSWORD}",
            "https://db.example.com/x?user=u&password=$DB_PASSWORD",
            "https://db.example.com/x?user=u&password=<password>",
            "https://db.example.com/x?user=u&password=",
            "https://db.example.com/x?user=u&password={}",
            "https://db.example.com/x?user=u&password={password}",
        ] {
            assert!(kinds(clean).is_empty(), "{clean}");
        }
    }

    #[test]
    fn passwords_in_jdbc_odbc_and_sql_server_connection_strings() {
        for (text, secret) in [
            (
                "jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=Hunter2!;",
                "Hunter2!",
            ),
            (
                "Server=tcp:db.example.com,1433;Database=app;User Id=app;Password=Hunter2;",
                "Hunter2",
            ),
            ("Password=Hunter2;Server=db;Database=app", "Hunter2"),
            (
                "Driver={ODBC Driver 18 for SQL Server};Server=db;Uid=app;PWD={p;ss w0rd};",
                "p;ss w0rd",
            ),
        ] {
            assert_eq!(
                kinds(text),
                ["password in a connection string or URL query"],
                "{text}"
            );
            assert_redacted(text, secret);
        }
        for clean in [
            "Server=db;Database=app;User Id=app;Password=${DB_PASSWORD};",
            "Server=db;Database=app;Uid=app;PWD={};",
            "jdbc:sqlserver://db;user=sa;password=?;",
            "Server=db;Database=app;Password=<your password>;",
            "Server=db;Database=app;Password=%s;",
        ] {
            assert!(kinds(clean).is_empty(), "{clean}");
        }
    }

    #[test]
    fn passwords_in_libpq_key_value_strings() {
        for (text, secret) in [
            (
                "host=db.internal port=5432 dbname=app user=app password=hunter2",
                "hunter2",
            ),
            ("\"host=localhost password=hunter2 dbname=app\"", "hunter2"),
            ("host=db user=app password='se cret'", "se cret"),
        ] {
            assert_eq!(
                kinds(text),
                ["password in a connection string or URL query"],
                "{text}"
            );
            assert_redacted(text, secret);
        }
        for clean in [
            "host=db user=app password=$PGPASSWORD",
            "let password = read_password();",
            "connect(host=host, user=user, password=password)",
            "DB_PASSWORD=hunter2",
            "PGPASSWORD=hunter2 psql -h db",
            "the password=field is described below",
        ] {
            assert!(kinds(clean).is_empty(), "{clean}");
        }
    }

    #[test]
    fn pretty_printed_jwt_payloads() {
        // {"alg":"HS256"} . {\n  "iss" : "supabase",\n  "role" : "service_role"\n} . sig
        let service = "eyJhbGciOiJIUzI1NiJ9.ewogICJpc3MiIDogInN1cGFiYXNlIiwKICAicm9sZSIgOiAic2VydmljZV9yb2xlIgp9.c2lnbmF0dXJlMTIz";
        // The same with "role" : "anon".
        let anon = "eyJhbGciOiJIUzI1NiJ9.ewogICJpc3MiIDogInN1cGFiYXNlIiwKICAicm9sZSIgOiAiYW5vbiIKfQ.c2lnbmF0dXJlMTIz";
        assert_eq!(kinds(service), ["Supabase service-role JWT"]);
        assert_redacted(&format!("key: {service}"), service);
        assert!(kinds(anon).is_empty());
    }

    #[test]
    fn urls_without_a_password_open_no_window_and_hide_none() {
        // Texts built from URL pieces (a pseudo-random walk, the same every run): the windows
        // must find what one window over the whole text finds, so a `://` whose URL holds no
        // password may be passed over but never one that does.
        const PIECES: &[&str] = &[
            "https", "://", ":", "@", "u", "pw", "/", " ", "\n", "#", "?", "\"", "\x0b", "h.io",
            "%21", "redis", "x", "'", "a:b", "@@", "shpat_", "pass", "word=", "://u:", "p@h",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let key = |found: Vec<(Secret, std::ops::Range<usize>)>| -> Vec<_> {
            found
                .into_iter()
                .map(|(s, whole)| (s.kind, s.start, s.end, whole))
                .collect()
        };
        let mut with_password = 0;
        for _ in 0..4000 {
            let text: String = (0..next(40) + 1)
                .map(|_| PIECES[next(PIECES.len())])
                .collect();
            let one_window = std::iter::once(0..text.len()).collect();
            let whole = key(find_in_windows(text.as_bytes(), one_window));
            with_password += whole.iter().any(|w| w.0 == SecretKind::PasswordUrl) as usize;
            assert_eq!(key(find_all(text.as_bytes())), whole, "{text:?}");
        }
        assert!(with_password > 50, "{with_password}");
        for clean in [
            "https://example.com/a:b@c",
            "http://host:8080/x",
            "git://u@host",
        ] {
            assert!(windows(clean.as_bytes()).is_empty(), "{clean}");
        }
    }

    #[test]
    fn the_windows_find_what_a_whole_search_finds() {
        let token = &*TOKEN;
        let filler = "x".repeat(10_000);
        let text = format!(
            "{filler}\n.header(\n    \"X-Shopify-Access-Token\",\n\n    \"a1b2c3d4e5f6a7b8c9d0e1f2\",\n)\n{filler} redis://:pw1@cache {token}\n{filler}"
        );
        let found: Vec<_> = find(text.as_bytes()).into_iter().map(|s| s.kind).collect();
        assert_eq!(
            found,
            [
                SecretKind::AccessTokenHeader,
                SecretKind::PasswordUrl,
                SecretKind::ShopifyToken
            ]
        );
        let whole: Vec<_> = pattern()
            .find_iter(text.as_bytes())
            .map(|m| m.range())
            .collect();
        assert_eq!(whole.len(), 3);
        let windowed: Vec<_> = find_all(text.as_bytes())
            .into_iter()
            .map(|(_, whole)| whole)
            .collect();
        assert_eq!(whole, windowed);
    }
}

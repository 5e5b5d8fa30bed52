//! Secret patterns: Shopify tokens and secrets, Supabase secret keys and service-role JWTs, URLs
//! with an embedded password, literal `X-Shopify-Access-Token` values. Findings carry only a
//! redacted form of the secret.

use regex::bytes::Regex;
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
}

/// The marker that excuses a finding on its line or the line below, with a reason after it:
/// `// clientwall:allow(hardcoded-secret): fake token for the parser test`.
pub const ALLOW_MARKER: &str = "clientwall:allow(hardcoded-secret)";

static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<shopify>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})",
        r"|(?P<supabase>sb_secret_[A-Za-z0-9_\-]{16,})",
        r"|(?P<jwt>eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})",
        r"|(?P<url>[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s:/@'`<>]+:(?P<password>[^\s/@'`<>]+)@[^\s'`<>]+)",
        r#"|(?i:x-shopify-access-token)(?:["']\s*[,:=>]+\s*["']|:[ \t]*)(?P<header>[A-Za-z0-9_\-]{16,})"#,
    ))
    .expect("secret patterns compile")
});

/// Cheap byte prefilters: a file with none of these cannot hold a secret.
pub const NEEDLES: &[&[u8]] = &[b"shp", b"sb_secret_", b"eyJ", b"://", b"ccess-", b"CCESS-"];

/// Every secret in `text`, skipping those excused by an allow marker with a reason.
pub fn find(text: &[u8]) -> Vec<Secret> {
    if !NEEDLES
        .iter()
        .any(|n| memchr::memmem::find(text, n).is_some())
    {
        return Vec::new();
    }
    let mut found = Vec::new();
    for caps in PATTERN.captures_iter(text) {
        let whole = caps.get(0).expect("group 0 always matches");
        let secret = if let Some(m) = caps.name("shopify") {
            Some((SecretKind::ShopifyToken, redact_token(m.as_bytes()), m))
        } else if let Some(m) = caps.name("supabase") {
            Some((SecretKind::SupabaseSecretKey, redact_token(m.as_bytes()), m))
        } else if let Some(m) = caps.name("jwt") {
            is_service_role(m.as_bytes()).then(|| {
                (
                    SecretKind::SupabaseServiceRoleJwt,
                    redact_token(m.as_bytes()),
                    m,
                )
            })
        } else if let (Some(url), Some(password)) = (caps.name("url"), caps.name("password")) {
            is_literal_password(password.as_bytes()).then(|| {
                let mut shown =
                    String::from_utf8_lossy(&url.as_bytes()[..password.start() - url.start()])
                        .into_owned();
                shown.push_str("****@…");
                (SecretKind::PasswordUrl, shown, url)
            })
        } else {
            caps.name("header")
                .map(|m| (SecretKind::AccessTokenHeader, redact_token(m.as_bytes()), m))
        };
        if let Some((kind, redacted, m)) = secret
            && !excused(text, whole.start())
        {
            found.push(Secret {
                kind,
                redacted,
                start: m.start(),
                end: m.end(),
            });
        }
    }
    found
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

/// Placeholders and environment interpolation are not passwords.
fn is_literal_password(password: &[u8]) -> bool {
    let text = String::from_utf8_lossy(password);
    let placeholder = text.starts_with('$')
        || text.starts_with('{')
        || text.starts_with('<')
        || text.starts_with('%')
        || text.chars().all(|c| c == '*' || c == 'x' || c == 'X');
    !placeholder
}

/// Does the JWT's payload claim `"role": "service_role"`?
fn is_service_role(jwt: &[u8]) -> bool {
    let Some(payload) = jwt.split(|&b| b == b'.').nth(1) else {
        return false;
    };
    let Some(decoded) = base64url_decode(payload) else {
        return false;
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<&'static str> {
        find(text.as_bytes())
            .into_iter()
            .map(|s| s.kind.describe())
            .collect()
    }

    const TOKEN: &str = "shpat_0123456789abcdef0123456789abcdef";

    #[test]
    fn finds_each_kind_and_redacts() {
        let found = find(format!("let t = \"{TOKEN}\";").as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].redacted, "shpat_0123… (38 characters)");
        assert!(!found[0].redacted.contains(TOKEN));
        assert_eq!(
            kinds("key = \"sb_secret_abcdefghijklmnop1234\""),
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
        let allowed = format!(
            "// clientwall:allow(hardcoded-secret): fake token for tests\nlet t = \"{TOKEN}\";"
        );
        assert!(kinds(&allowed).is_empty());
        let same_line =
            format!("let t = \"{TOKEN}\"; # clientwall:allow(hardcoded-secret): fixture");
        assert!(kinds(&same_line).is_empty());
        let no_reason = format!("// clientwall:allow(hardcoded-secret)\nlet t = \"{TOKEN}\";");
        assert_eq!(kinds(&no_reason).len(), 1);
        let too_far = format!("// clientwall:allow(hardcoded-secret): x\n\nlet t = \"{TOKEN}\";");
        assert_eq!(kinds(&too_far).len(), 1);
    }
}

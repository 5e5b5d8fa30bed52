//! The one redaction step every text clientwall prints goes through: report formats, error
//! messages (a TOML parse error quoting the offending line, cargo's stderr passed through),
//! notes, attestations, maps. Whatever the secret patterns of [`crate::secrets`] match is
//! masked, allow marker or not: a marker excuses a finding, it does not make printing it safe.

use crate::secrets;
use std::borrow::Cow;

/// `text` with every secret replaced by its redacted form (`shpat_0123… (38 characters)`, a
/// URL's password by `****`). Borrows when there is nothing to mask.
pub fn text(text: &str) -> Cow<'_, str> {
    let mut found = secrets::find_all(text.as_bytes());
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    // A URL's password comes after a secret in its user part: mask in order of place.
    found.sort_by_key(|(secret, _)| secret.mask.start);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (secret, _) in found {
        let mask = secret.mask.clone();
        if mask.start < copied {
            continue;
        }
        out.push_str(&text[copied..mask.start]);
        match secret.kind {
            secrets::SecretKind::PasswordUrl | secrets::SecretKind::PasswordParameter => {
                out.push_str("****")
            }
            _ => out.push_str(&secret.redacted),
        }
        copied = mask.end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// `text` with every secret masked by `*` byte for byte, keeping a short prefix: for source
/// excerpts, whose byte offsets (diagnostic spans) must stay valid.
pub fn source(text: &str) -> Cow<'_, str> {
    let found = secrets::find_all(text.as_bytes());
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for (secret, _) in found {
        let keep = match secret.kind {
            secrets::SecretKind::PasswordUrl | secrets::SecretKind::PasswordParameter => 0,
            _ => visible_prefix(&text[secret.mask.clone()]),
        };
        for b in &mut bytes[secret.mask.start + keep..secret.mask.end] {
            *b = b'*';
        }
    }
    // Whole UTF-8 sequences are replaced (the patterns match whole characters), and the kept
    // prefix ends on a character boundary, so this cannot fail.
    Cow::Owned(
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// How many bytes of a token stay visible: its prefix and four characters (`shpat_0123`).
fn visible_prefix(token: &str) -> usize {
    let keep = token
        .find('_')
        .map_or(4, |i| i + 5)
        .min(token.len().saturating_sub(4))
        .min(12);
    (0..=keep)
        .rev()
        .find(|&i| token.is_char_boundary(i))
        .unwrap_or(0)
}

/// A `Display` value printed through [`text`].
pub struct Redacted<T>(pub T);

impl<T: std::fmt::Display> std::fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = self.0.to_string();
        f.write_str(&text(&shown))
    }
}

/// Masks every secret in a text: the patterns of this module, and the values of the
/// consultant's credential variables (a client secret need not look like one).
#[derive(Debug, Clone, Default)]
pub struct Masker {
    values: Vec<String>,
}

impl Masker {
    /// The values of the variables whose name says they hold a credential.
    pub fn from_env() -> Masker {
        let mut values: Vec<String> = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .filter(|(name, value)| is_credential_name(name) && value.chars().count() >= 6)
            .map(|(_, value)| value)
            .collect();
        // The longest first, so a value that contains another is masked whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Masker { values }
    }

    pub fn mask(&self, input: &str) -> String {
        let mut out = input.to_owned();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), "****");
            }
        }
        text(&out).into_owned()
    }
}

fn is_credential_name(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    [
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "_KEY",
        "DATABASE_URL",
        "CLIENT_ID",
    ]
    .iter()
    .any(|part| name.contains(part))
}

/// Pass a child's stderr through to ours line by line (each masked and indented `  | `, a line
/// cut at 64 KiB), and return the end of it (about the last 4 KiB) for an error message.
pub fn relay(stderr: impl std::io::Read, masker: &Masker) -> String {
    use std::io::{BufRead, Read, Write};
    let mut tail = String::new();
    let mut ours = std::io::stderr();
    let mut reader = std::io::BufReader::new(stderr);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.by_ref().take(64 * 1024).read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let text = masker.mask(text.trim_end_matches(['\n', '\r']));
        let _ = writeln!(ours, "  | {text}");
        tail.push_str(&text);
        tail.push('\n');
        if tail.len() > 8192 {
            let cut = tail.len() - 4096;
            let cut = (cut..tail.len())
                .find(|&i| tail.is_char_boundary(i))
                .unwrap_or(0);
            tail.drain(..cut);
        }
    }
    tail
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_credential_value_is_masked_wherever_it_appears() {
        let masker = Masker {
            values: vec!["mock-secret-123-abc".to_owned()],
        };
        assert_eq!(
            masker.mask("error: grant refused for mock-secret-123-abc!"),
            "error: grant refused for ****!"
        );
        assert!(is_credential_name("ACME_SHOPIFY_CLIENT_SECRET"));
        assert!(is_credential_name("GLOBEX_DATABASE_URL"));
        assert!(!is_credential_name("HOME"));
    }

    use super::*;

    fn token() -> String {
        format!("shp{}_{}", "at", "0123456789abcdef".repeat(2))
    }

    #[test]
    fn masks_tokens_and_passwords_in_any_text() {
        let raw = format!(
            "error: unable to update https://user:hunter2@example.com/x.git\n  key = \"{}\"",
            token()
        );
        let shown = text(&raw);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains(&token()), "{shown}");
        assert!(
            shown.contains("https://user:****@example.com/x.git"),
            "{shown}"
        );
        assert!(shown.contains("shpat_0123… (38 characters)"), "{shown}");
    }

    #[test]
    fn excused_secrets_are_masked_too() {
        let raw = format!(
            "// clientwall:allow(hardcoded-secret): fake\nconst T: &str = \"{}\";",
            token()
        );
        assert!(!text(&raw).contains(&token()));
        assert!(!source(&raw).contains(&token()));
    }

    #[test]
    fn source_masking_keeps_every_offset() {
        let raw = format!("a = \"{}\"\nurl = \"redis://:pässwörd@cache/0\"\n", token());
        let masked = source(&raw);
        assert_eq!(masked.len(), raw.len());
        assert!(masked.contains("shpat_0123****"), "{masked}");
        assert!(!masked.contains("pässwörd"), "{masked}");
        assert_eq!(masked.lines().count(), raw.lines().count());
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(text("nothing here"), Cow::Borrowed(_)));
    }
}

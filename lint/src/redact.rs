//! The one redaction step every text clientwall prints goes through: report formats, error
//! messages (a TOML parse error quoting the offending line, cargo's stderr passed through),
//! notes, attestations, maps. Whatever the secret patterns of [`crate::scan::secrets`] match is
//! masked, allow marker or not: a marker excuses a finding, it does not make printing it safe.

use crate::scan::secrets;
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

#[cfg(test)]
mod tests {
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

//! The forms of a client name the template uses.

/// `acme-corp` → `acme_corp`.
pub fn snake(name: &str) -> String {
    name.replace('-', "_")
}

/// `acme-corp` → `ACME_CORP`.
pub fn shouty(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

/// `acme-corp` → `Acme Corp`.
pub fn title(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(snake("acme-corp"), "acme_corp");
        assert_eq!(shouty("acme-corp"), "ACME_CORP");
        assert_eq!(title("acme-corp"), "Acme Corp");
    }
}

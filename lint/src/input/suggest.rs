//! "Did you mean" hints for misspelt keys, values and names.

/// The candidate closest to `input`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Up to `n` candidates close to `input`, closest first (ties in the candidates' order).
pub fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

/// A help line: `did you mean `x`?` or the list of what is accepted.
pub fn hint(input: &str, candidates: &[&str]) -> String {
    match did_you_mean(input, candidates.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!(
            "expected one of: {}",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["clients", "credential-helpers", "template", "allow"];
        assert_eq!(did_you_mean("client", keys), Some("clients"));
        assert_eq!(
            did_you_mean("credential-helper", keys),
            Some("credential-helpers")
        );
        assert_eq!(did_you_mean("zzz", keys), None);
        assert_eq!(hint("zzz", &["a", "b"]), "expected one of: `a`, `b`");
    }

    #[test]
    fn closest_names_come_closest_first() {
        let names = ["acme", "acme-eu", "globex", "initech"];
        assert_eq!(closest("acm", names, 3), ["acme", "acme-eu"]);
        assert_eq!(closest("globx", names, 3), ["globex"]);
        assert!(closest("zzzz", names, 3).is_empty());
    }
}

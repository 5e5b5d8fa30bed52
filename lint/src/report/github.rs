//! `--format github`: GitHub Actions workflow commands (`::error file=..,line=..::message`).

use super::Report;

/// One `::error` (or `::warning`) line per violation, then a `::notice` with the summary.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for v in &report.violations {
        out.push_str(&format!(
            "::{} file={},line={},col={},title={}::{}\n",
            v.level().as_str(),
            escape_property(&v.location.relative_file(&report.root)),
            v.location.line,
            v.location.column,
            escape_property(v.rule.code.as_str()),
            escape_data(&v.full_text()),
        ));
    }
    out.push_str(&format!(
        "::notice title=clientwall::{}\n",
        escape_data(&report.summary.line())
    ));
    crate::redact::text(&out).into_owned()
}

/// Escaping for a workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a workflow command's `key=value` properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_would_break_the_command() {
        assert_eq!(escape_data("50%\na"), "50%25%0Aa");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}

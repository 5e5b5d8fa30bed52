//! Property tests: the source scanner (its prefilter included) never panics, whatever bytes it
//! is given, and what it reports always lies inside the input.

use clientwall::secrets;
use clientwall::{lexer, references};
use proptest::prelude::*;
use std::path::Path;

fn rustish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "include_str!(",
        "include_bytes!(",
        "include!(",
        "concat!(",
        "env!(\"CARGO_MANIFEST_DIR\")",
        "#[path = ",
        "#![",
        "]",
        ")",
        "(",
        ",",
        "\"",
        "r#\"",
        "\"#",
        "'",
        "'a",
        "b'x'",
        "/*",
        "*/",
        "//",
        "\n",
        "\\",
        "\\u{",
        "}",
        "../globex/",
        "shpat_",
        "0123456789abcdef",
        "é",
        "fs::read_to_string(",
        "::",
        "std",
        "mod m ",
        "pub(crate) mod ",
        "{",
        "fn f() {",
        ";",
        "format!(\"{}/{x}\", ",
        "const X: &str = ",
        "let y = ",
        "X",
        "y",
        "env::var(",
        "cfg_attr(unix, path = ",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn lexer_and_reference_finder_never_panic(src in rustish()) {
        let _ = clientwall::prefilter::may_reference(&src);
        let tokens = lexer::tokenize(&src);
        for t in &tokens {
            prop_assert!(t.start <= t.end && t.end <= src.len());
        }
        for build_script in [false, true] {
            let found = references::find(
                &tokens,
                Path::new("/ws/clients/acme/src/lib.rs"),
                Path::new("/ws/clients/acme"),
                build_script,
            );
            for r in found.references {
                prop_assert!(r.end <= src.len());
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC*") {
        let _ = clientwall::prefilter::may_reference(&src);
        let tokens = lexer::tokenize(&src);
        let _ = references::find(&tokens, Path::new("/a/b.rs"), Path::new("/a"), true);
        let _ = secrets::find(src.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for s in secrets::find(&bytes) {
            prop_assert!(s.start < s.end && s.end <= bytes.len());
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = clientwall::prefilter::may_reference(&text);
        let _ = lexer::tokenize(&text);
    }
}

//! Three-way merges of a client's managed files: base = the template at the client's version,
//! ours = the client's file, theirs = the new template. Conflicts are written git-style in
//! diff3 form, so the base is visible:
//!
//! ```text
//! <<<<<<< acme (yours)
//! the client's lines
//! ||||||| template 0.1.0
//! the old template's lines
//! =======
//! the new template's lines
//! >>>>>>> template 0.2.0
//! ```
//!
//! The line merge is `diffy`'s; this module labels the markers and makes them longer when a
//! file already holds marker-like lines, as git does. [`unified_diff`] is the project's one
//! line diff for people to read (the `Cargo.toml` change `new-client --dry-run` and an
//! offboarding plan show), `diffy`'s too.

/// A unified diff from `before` to `after`, both named `name` in its header, 3 lines of
/// context (`--- name`, `+++ name`, `@@ -1,3 +1,4 @@` hunks).
pub fn unified_diff(name: &str, before: &str, after: &str) -> String {
    diffy::DiffOptions::new()
        .set_original_filename(name.to_owned())
        .set_modified_filename(name.to_owned())
        .create_patch(before, after)
        .to_string()
}

/// What the three sides are called in conflict markers.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    pub ours: &'a str,
    pub base: &'a str,
    pub theirs: &'a str,
}

/// The result of a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Every change applied.
    Clean(Vec<u8>),
    /// Both sides changed the same lines: `contents` holds conflict markers (`hunks` of them).
    /// A binary file that both sides changed is kept as the client's, with `hunks == 0`.
    Conflict { contents: Vec<u8>, hunks: usize },
}

/// Merge `theirs`' changes since `base` into `ours`.
pub fn merge3(base: &[u8], ours: &[u8], theirs: &[u8], labels: Labels) -> Merged {
    if ours == base || ours == theirs {
        return Merged::Clean(theirs.to_vec());
    }
    if theirs == base {
        return Merged::Clean(ours.to_vec());
    }
    let (Ok(base), Ok(ours_text), Ok(theirs)) = (
        std::str::from_utf8(base),
        std::str::from_utf8(ours),
        std::str::from_utf8(theirs),
    ) else {
        return Merged::Conflict {
            contents: ours.to_vec(),
            hunks: 0,
        };
    };
    let length = marker_length(&[base, ours_text, theirs]);
    let mut options = diffy::MergeOptions::new();
    options
        .set_conflict_style(diffy::ConflictStyle::Diff3)
        .set_incomplete_hunk_style(diffy::IncompleteHunkStyle::Git)
        .set_conflict_marker_length(length);
    match options.merge(base, ours_text, theirs) {
        Ok(clean) => Merged::Clean(clean.into_bytes()),
        Err(conflicted) => {
            let (contents, hunks) = relabel(&conflicted, length, labels);
            Merged::Conflict {
                contents: contents.into_bytes(),
                hunks,
            }
        }
    }
}

/// 7, or longer than any run of marker characters that starts a line of the inputs.
fn marker_length(texts: &[&str]) -> usize {
    let mut length = 7;
    for text in texts {
        for line in text.lines() {
            for marker in ['<', '|', '=', '>'] {
                let run = line.chars().take_while(|c| *c == marker).count();
                if run >= length {
                    length = run + 1;
                }
            }
        }
    }
    length
}

fn relabel(text: &str, length: usize, labels: Labels) -> (String, usize) {
    let start = "<".repeat(length);
    let base = "|".repeat(length);
    let end = ">".repeat(length);
    let mut hunks = 0;
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if body == format!("{start} ours") {
            hunks += 1;
            out.push_str(&format!("{start} {}{newline}", labels.ours));
        } else if body == format!("{base} original") {
            out.push_str(&format!("{base} {}{newline}", labels.base));
        } else if body == format!("{end} theirs") {
            out.push_str(&format!("{end} {}{newline}", labels.theirs));
        } else {
            out.push_str(line);
        }
    }
    (out, hunks)
}

/// The 1-based line of the first unresolved conflict (a `<<<<<<<` line followed by `=======`
/// and `>>>>>>>` lines), if the text holds one.
pub fn conflict_marker_line(text: &[u8]) -> Option<usize> {
    let mut open = None;
    let mut separated = false;
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let marker = |c: u8| {
            line.len() >= 7
                && line[..7].iter().all(|b| *b == c)
                && line.get(7).is_none_or(|b| *b == b' ' || *b == c)
        };
        if marker(b'<') {
            open = Some(i + 1);
            separated = false;
        } else if open.is_some() && line.len() >= 7 && line.iter().all(|b| *b == b'=') {
            separated = true;
        } else if marker(b'>') && separated {
            return open;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: Labels = Labels {
        ours: "acme (yours)",
        base: "template 0.1.0",
        theirs: "template 0.2.0",
    };

    fn text(m: Merged) -> (String, Option<usize>) {
        match m {
            Merged::Clean(c) => (String::from_utf8(c).unwrap(), None),
            Merged::Conflict { contents, hunks } => {
                (String::from_utf8(contents).unwrap(), Some(hunks))
            }
        }
    }

    #[test]
    fn changes_in_different_places_merge_cleanly() {
        let base = "a\nb\nc\nd\ne\n";
        let ours = "a\nB (mine)\nc\nd\ne\n";
        let theirs = "a\nb\nc\nd\ne\nf (new)\n";
        let (merged, hunks) = text(merge3(
            base.as_bytes(),
            ours.as_bytes(),
            theirs.as_bytes(),
            LABELS,
        ));
        assert_eq!(merged, "a\nB (mine)\nc\nd\ne\nf (new)\n");
        assert_eq!(hunks, None);
    }

    #[test]
    fn changes_to_the_same_lines_conflict_in_diff3_form() {
        let base = "a\nb\nc\n";
        let ours = "a\nmine\nc\n";
        let theirs = "a\ntheirs\nc\n";
        let (merged, hunks) = text(merge3(
            base.as_bytes(),
            ours.as_bytes(),
            theirs.as_bytes(),
            LABELS,
        ));
        assert_eq!(hunks, Some(1));
        assert_eq!(
            merged,
            "a\n<<<<<<< acme (yours)\nmine\n||||||| template 0.1.0\nb\n=======\ntheirs\n>>>>>>> template 0.2.0\nc\n"
        );
        assert_eq!(conflict_marker_line(merged.as_bytes()), Some(2));
    }

    #[test]
    fn the_same_change_on_both_sides_is_taken_once() {
        let base = "a\nb\n";
        let both = "a\nb\nc\n";
        let (merged, hunks) = text(merge3(
            base.as_bytes(),
            both.as_bytes(),
            both.as_bytes(),
            LABELS,
        ));
        assert_eq!((merged.as_str(), hunks), (both, None));
    }

    #[test]
    fn marker_like_lines_get_longer_markers() {
        let base = "<<<<<<< not a marker\nb\n";
        let ours = "<<<<<<< not a marker\nmine\n";
        let theirs = "<<<<<<< not a marker\ntheirs\n";
        let (merged, hunks) = text(merge3(
            base.as_bytes(),
            ours.as_bytes(),
            theirs.as_bytes(),
            LABELS,
        ));
        assert_eq!(hunks, Some(1));
        assert!(
            merged.contains("\n<<<<<<<<<<<<<<<<<<<<<<<< acme (yours)\n")
                || merged.contains("\n<<<<<<<< acme (yours)\n"),
            "{merged}"
        );
    }

    #[test]
    fn a_file_without_a_final_newline_still_gets_markers_on_their_own_lines() {
        let (merged, _) = text(merge3(b"a\nb", b"a\nmine", b"a\ntheirs", LABELS));
        assert!(
            merged.contains("mine\n||||||| template 0.1.0\n"),
            "{merged}"
        );
    }

    #[test]
    fn markers_are_found_only_as_a_whole_conflict() {
        assert_eq!(conflict_marker_line(b"Title\n=======\n"), None);
        assert_eq!(conflict_marker_line(b"<<<<<<< a\nx\n>>>>>>> b\n"), None);
        assert_eq!(
            conflict_marker_line(b"x\n<<<<<<< a\nx\n=======\ny\n>>>>>>> b\n"),
            Some(2)
        );
    }

    #[test]
    fn a_unified_diff_names_the_file_and_shows_three_lines_of_context() {
        let before = "[workspace]\nmembers = [\n    \"a\",\n    \"c\",\n]\n";
        let after = "[workspace]\nmembers = [\n    \"a\",\n    \"b\",\n    \"c\",\n]\n";
        assert_eq!(
            unified_diff("Cargo.toml", before, after),
            "--- Cargo.toml\n+++ Cargo.toml\n@@ -1,5 +1,6 @@\n [workspace]\n members = [\n     \"a\",\n+    \"b\",\n     \"c\",\n ]\n"
        );
        assert_eq!(unified_diff("x", "same\n", "same\n"), "--- x\n+++ x\n");
    }
}

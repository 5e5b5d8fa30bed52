//! The one spelling of a policy path glob (`clients`, an `allow` entry's `path`). Cargo reads a
//! `members` entry as a path joined to the workspace root, so `./clients/*`, `clients/*/`,
//! `clients//*`, `clients/./*`, `shared/../clients/*`, `../ws/clients/*` and the absolute
//! `/…/ws/clients/*` all name the same directories as `clients/*`. The policy's globs are
//! rewritten to that form once, when the policy is read, so every reader of the policy (the
//! client walk, the layout, the generator) sees one spelling. A glob that leaves the workspace,
//! names the workspace root itself, or climbs out of a wildcard (`clients/*/..`) is refused.

use camino::Utf8Path;

/// Characters that make a path component a pattern rather than a name.
const WILDCARDS: &[char] = &['*', '?', '[', ']', '{', '}'];

/// `glob` rewritten relative to `root` (the workspace root): no `.` or empty components, no
/// `..`, no leading `./` or `/`, no trailing `/`. `Err` says why it names no directory inside
/// the workspace.
pub fn normalize(glob: &str, root: &Utf8Path) -> Result<String, String> {
    // The components, each tagged with whether it came from the glob (only those can be
    // patterns: the root's own name may hold a `[`).
    let mut stack: Vec<(&str, bool)> = Vec::new();
    let absolute = glob.starts_with('/');
    let base: Vec<&str> = if absolute {
        Vec::new()
    } else {
        root.as_str().split('/').filter(|c| !c.is_empty()).collect()
    };
    stack.extend(base.iter().map(|c| (*c, false)));
    for component in glob.split('/') {
        match component {
            "" | "." => {}
            ".." => match stack.pop() {
                Some((popped, true)) if popped.contains(WILDCARDS) => {
                    return Err(format!(
                        "climbs out of the pattern `{popped}` with `..`; name the directory without it"
                    ));
                }
                Some(_) => {}
                None => return Err("leaves the workspace".to_owned()),
            },
            name => stack.push((name, true)),
        }
    }
    let root_components: Vec<&str> = root.as_str().split('/').filter(|c| !c.is_empty()).collect();
    let inside = stack.len() >= root_components.len()
        && stack
            .iter()
            .zip(&root_components)
            .all(|((component, _), root)| component == root);
    if !inside || (absolute && !root.is_absolute()) {
        return Err("leaves the workspace".to_owned());
    }
    let relative: Vec<&str> = stack[root_components.len()..]
        .iter()
        .map(|(component, _)| *component)
        .collect();
    if relative.is_empty() {
        return Err("names the workspace root itself".to_owned());
    }
    Ok(relative.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(glob: &str) -> Result<String, String> {
        normalize(glob, Utf8Path::new("/work/ws"))
    }

    #[test]
    fn every_spelling_cargo_accepts_is_one_glob() {
        for spelling in [
            "clients/*",
            "./clients/*",
            "clients/*/",
            "clients//*",
            ".//clients//*//",
            "././clients/*",
            "clients/./*",
            "clients/*/.",
            "shared/../clients/*",
            "clients/acme/../*",
            "../ws/clients/*",
            "/work/ws/clients/*",
            "//work//ws/./clients/*/",
        ] {
            assert_eq!(norm(spelling).as_deref(), Ok("clients/*"), "{spelling}");
        }
        assert_eq!(norm("customers/acme/").as_deref(), Ok("customers/acme"));
        assert_eq!(norm("**/clients/*").as_deref(), Ok("**/clients/*"));
    }

    #[test]
    fn globs_that_name_no_directory_inside_the_workspace_are_refused() {
        for (glob, why) in [
            ("../other/*", "leaves the workspace"),
            ("../../*", "leaves the workspace"),
            ("/elsewhere/clients/*", "leaves the workspace"),
            ("/work/wsx/clients/*", "leaves the workspace"),
            (".", "names the workspace root itself"),
            ("./", "names the workspace root itself"),
            ("clients/..", "names the workspace root itself"),
            ("", "names the workspace root itself"),
        ] {
            assert_eq!(norm(glob), Err(why.to_owned()), "{glob}");
        }
        let err = norm("clients/*/..").unwrap_err();
        assert!(err.contains("climbs out of the pattern `*`"), "{err}");
    }

    #[test]
    fn a_relative_root_keeps_relative_globs_and_refuses_absolute_ones() {
        let root = Utf8Path::new("");
        assert_eq!(normalize("./clients/*/", root).as_deref(), Ok("clients/*"));
        assert!(normalize("/clients/*", root).is_err());
        assert!(normalize("../clients/*", root).is_err());
    }

    #[test]
    fn the_root_may_hold_pattern_characters() {
        let root = Utf8Path::new("/tmp/a[1]/ws");
        assert_eq!(
            normalize("../ws/clients/*", root).as_deref(),
            Ok("clients/*")
        );
    }
}

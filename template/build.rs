// The current template and every release are embedded with include_dir!; rebuild when any of
// their files changes.
fn main() {
    println!("cargo:rerun-if-changed=client");
    println!("cargo:rerun-if-changed=releases");
}

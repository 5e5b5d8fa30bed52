// The template is embedded with include_dir!; rebuild when any template file changes.
fn main() {
    println!("cargo:rerun-if-changed=../template");
}

//! SSH signatures for attestations: the standard `ssh-keygen -Y sign` format (PROTOCOL.sshsig,
//! armored as `-----BEGIN SSH SIGNATURE-----`), made in-process with the `ssh-key` crate under
//! the namespace [`NAMESPACE`], so a client verifies the consultant's attestation with stock
//! OpenSSH:
//!
//! ```text
//! ssh-keygen -Y verify -f allowed_signers -I consultant@example.com -n clientwall-attest \
//!     -s acme-attestation.md.sig < acme-attestation.md
//! ```
//!
//! where `allowed_signers` holds the line [`allowed_signers_line`] prints for the consultant's
//! public key. Ed25519 and ECDSA (P-256, P-384) keys are supported, encrypted or not.

use camino::{Utf8Path, Utf8PathBuf};
use clientwall_lint::error::{Error, IoAction, Result};
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

/// The SSH signature namespace of attestations: a signature made for anything else (a git
/// commit, a file signed for another tool) never verifies as an attestation.
pub const NAMESPACE: &str = "clientwall-attest";

/// The file a signature of `file` is written to: `FILE.sig`, as `ssh-keygen -Y sign` names it.
pub fn signature_path(file: &Utf8Path) -> Utf8PathBuf {
    Utf8PathBuf::from(format!("{file}.sig"))
}

/// Read an OpenSSH private key. `passphrase` is asked for only when the key is encrypted.
pub fn load_private_key(
    path: &Utf8Path,
    passphrase: impl FnOnce() -> Result<String>,
) -> Result<PrivateKey> {
    let text = safe_read::read_to_string(path.as_std_path())
        .map_err(|e| Error::io(IoAction::Read, path, e))?;
    let key = PrivateKey::from_openssh(&text).map_err(|e| Error::Signature {
        message: format!("{path} is not an OpenSSH private key: {e}"),
        help: Some(
            "pass the private key file (e.g. ~/.ssh/id_ed25519), not the .pub file".to_owned(),
        ),
    })?;
    if !key.is_encrypted() {
        return Ok(key);
    }
    let passphrase = passphrase()?;
    key.decrypt(passphrase.as_bytes())
        .map_err(|_| Error::Signature {
            message: format!("wrong passphrase for {path}"),
            help: None,
        })
}

/// Sign `message`: the armored SSH signature, ending in a newline.
pub fn sign(key: &PrivateKey, message: &[u8]) -> Result<String> {
    let unsupported = |e: ssh_key::Error| Error::Signature {
        message: format!("cannot sign with this {} key: {e}", key.algorithm()),
        help: Some(
            "use an Ed25519 key (`ssh-keygen -t ed25519`) or an ECDSA P-256/P-384 key".to_owned(),
        ),
    };
    let signature = key
        .sign(NAMESPACE, HashAlg::Sha512, message)
        .map_err(unsupported)?;
    signature.to_pem(LineEnding::LF).map_err(unsupported)
}

/// Check that `signature` (armored) is `public_key`'s signature of `message` as an attestation.
pub fn verify(public_key: &PublicKey, message: &[u8], signature: &str) -> Result<()> {
    let invalid = |what: &str| Error::Signature {
        message: format!("the signature does not verify: {what}"),
        help: None,
    };
    let signature = SshSig::from_pem(signature).map_err(|_| invalid("not an SSH signature"))?;
    if signature.public_key() != public_key.key_data() {
        return Err(invalid("made with another key"));
    }
    if signature.namespace() != NAMESPACE {
        return Err(invalid(&format!(
            "made for namespace `{}`, not `{NAMESPACE}`",
            signature.namespace()
        )));
    }
    public_key
        .verify(NAMESPACE, message, &signature)
        .map_err(|_| invalid("the file was changed after it was signed"))
}

/// The `allowed_signers` line for `ssh-keygen -Y verify`: the principal, the namespace this key
/// may sign, and the public key.
pub fn allowed_signers_line(principal: &str, public_key: &PublicKey) -> Result<String> {
    let mut key = public_key.clone();
    key.set_comment("");
    let encoded = key.to_openssh().map_err(|e| Error::Signature {
        message: format!("cannot encode the public key: {e}"),
        help: None,
    })?;
    Ok(format!(
        "{principal} namespaces=\"{NAMESPACE}\" {}",
        encoded.trim()
    ))
}

/// The principal to name in `allowed_signers`: the key's comment (usually `user@host`), else
/// `consultant`.
pub fn principal(public_key: &PublicKey) -> String {
    let comment = public_key.comment().trim();
    if comment.is_empty() || comment.contains(char::is_whitespace) {
        "consultant".to_owned()
    } else {
        comment.to_owned()
    }
}

/// What the consultant passes on with a signed attestation: the `allowed_signers` line and the
/// one command the client runs where the two files are (named as the client receives them).
pub fn handover(file: &Utf8Path, signature: &Utf8Path, public_key: &PublicKey) -> Result<String> {
    let principal = principal(public_key);
    let name = |path: &Utf8Path| shell_word(path.file_name().unwrap_or(path.as_str()));
    Ok(format!(
        "wrote {file} and {signature}\n\
         the client verifies it with this line in a file `allowed_signers`:\n  {}\n\
         and this command:\n  \
         ssh-keygen -Y verify -f allowed_signers -I {principal} -n {NAMESPACE} -s {} < {}\n",
        allowed_signers_line(&principal, public_key)?,
        name(signature),
        name(file),
    ))
}

/// `word` as one shell word: quoted when it holds anything but `[A-Za-z0-9._/-]`.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Write `text` to `file` and its signature to `FILE.sig`. The signature is made first, so a
/// key that cannot sign writes nothing; each file is written beside its place and renamed into
/// it.
pub fn write_signed(file: &Utf8Path, text: &str, key: &PrivateKey) -> Result<Utf8PathBuf> {
    let signature = sign(key, text.as_bytes())?;
    let signature_file = signature_path(file);
    write_atomically(file, text)?;
    write_atomically(&signature_file, &signature)?;
    Ok(signature_file)
}

/// Write `text` to `path` whole ([`safe_read::write::atomic`]: a temporary file next to it,
/// flushed to disk, renamed over it).
pub fn write_atomically(path: &Utf8Path, text: &str) -> Result<()> {
    safe_read::write::atomic(path.as_std_path(), text.as_bytes())
        .map_err(|e| Error::io(IoAction::Write, path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test key from a fixed seed.
    fn key_from(seed: u8) -> PrivateKey {
        let pair = ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]);
        PrivateKey::new(pair.into(), "consultant@example.com").unwrap()
    }

    fn key() -> PrivateKey {
        key_from(7)
    }

    #[test]
    fn signs_and_verifies_and_rejects_changes() {
        let key = key();
        let signature = sign(&key, b"attestation").unwrap();
        assert!(signature.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
        verify(key.public_key(), b"attestation", &signature).unwrap();
        let err = verify(key.public_key(), b"attestation!", &signature).unwrap_err();
        assert!(
            err.to_string().contains("changed after it was signed"),
            "{err}"
        );
        let other = key_from(8);
        let err = verify(other.public_key(), b"attestation", &signature).unwrap_err();
        assert!(err.to_string().contains("another key"), "{err}");
    }

    #[test]
    fn a_signature_for_another_namespace_does_not_verify() {
        let key = key();
        let git = key.sign("git", HashAlg::Sha512, b"attestation").unwrap();
        let pem = git.to_pem(LineEnding::LF).unwrap();
        let err = verify(key.public_key(), b"attestation", &pem).unwrap_err();
        assert!(err.to_string().contains("namespace `git`"), "{err}");
    }

    #[test]
    fn handover_quotes_file_names_for_the_shell() {
        let key = key();
        let text = handover(
            Utf8Path::new("/tmp/out/acme's attestation.md"),
            Utf8Path::new("/tmp/out/acme's attestation.md.sig"),
            key.public_key(),
        )
        .unwrap();
        assert!(
            text.ends_with(
                "-n clientwall-attest -s 'acme'\\''s attestation.md.sig' < 'acme'\\''s attestation.md'\n"
            ),
            "{text}"
        );
        assert_eq!(shell_word("acme-attestation.md"), "acme-attestation.md");
    }

    #[test]
    fn allowed_signers_line_names_the_principal_and_namespace() {
        let key = key();
        let line = allowed_signers_line(&principal(key.public_key()), key.public_key()).unwrap();
        assert!(
            line.starts_with(
                "consultant@example.com namespaces=\"clientwall-attest\" ssh-ed25519 AAAA"
            ),
            "{line}"
        );
        assert!(
            !line.ends_with("example.com"),
            "no trailing comment: {line}"
        );
    }
}

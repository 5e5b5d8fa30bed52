//! A credential that never prints and never lingers: `Debug` shows `Secret(***)`, there is no
//! `Display` and no `Clone`, and the memory is zeroed when it is dropped. Requests borrow it.

use std::fmt;
use zeroize::{ZeroizeOnDrop, Zeroizing};

/// A credential held in memory only.
#[derive(PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

/// The inner `Zeroizing` wipes the string when the secret is dropped.
impl ZeroizeOnDrop for Secret {}

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(value.into()))
    }

    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("shpss_not_a_real_secret");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(***))");
    }

    /// Fails to compile if `Secret` stops zeroing its memory on drop.
    #[test]
    fn zeroed_on_drop() {
        fn zeroize_on_drop<T: ZeroizeOnDrop>() {}
        zeroize_on_drop::<Secret>();
    }

    /// `true` only when `T` is `Clone`: inherent associated constants win over the blanket trait.
    struct IsClone<T>(std::marker::PhantomData<T>);
    trait NotClone {
        const CLONE: bool = false;
    }
    impl<T> NotClone for IsClone<T> {}
    #[allow(dead_code)]
    impl<T: Clone> IsClone<T> {
        const CLONE: bool = true;
    }

    #[test]
    fn secrets_cannot_be_copied_around() {
        const { assert!(IsClone::<String>::CLONE, "the probe itself works") };
        const { assert!(!IsClone::<Secret>::CLONE) };
        const { assert!(!IsClone::<crate::config::Credentials>::CLONE) };
        const { assert!(!IsClone::<crate::token::AccessToken>::CLONE) };
    }
}

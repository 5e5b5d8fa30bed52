//! The client's onboarding checklist: the same text as `ONBOARDING.md` (which `new-client`
//! prints and the README opens with), made from `client.toml` so that `scopes` shows the
//! scopes this build really asks for.

use crate::config::ClientConfig;
use crate::scopes;

/// `ONBOARDING.md` as generated.
pub const GENERATED: &str = include_str!("../ONBOARDING.md");

/// The checklist for `config`.
pub fn checklist(config: &ClientConfig) -> String {
    let name = crate::DISPLAY_NAME;
    let shop = &config.shopify.shop;
    let prefix = crate::config::ENV_PREFIX;
    let mut out = format!(
        "# Onboarding {name}\n\n\
         Shopify grants a client-credentials token only to an app that the store's own \
         organization develops, so {name} creates the app and hands over its credentials; the \
         consultancy cannot create it for them. The steps, for the owner of `{shop}`:\n\n\
         1. In the Shopify Dev Dashboard of the organization that owns `{shop}`, create an app \
         for this audit.\n\
         2. Give it exactly these Admin API scopes, the ones in `client.toml`, and no other (the \
         audit refuses a grant with any write scope or any scope not listed here):\n"
    );
    for scope in &config.shopify.scopes {
        let info = scopes::describe(scope);
        out.push_str(&format!(
            "   - `{scope}`{}: {}. Not: {}.\n",
            needed_by(scope),
            info.allows,
            info.does_not_allow
        ));
    }
    out.push_str(&format!(
        "3. Install the app on `{shop}`.\n\
         4. Hand over the app's client ID and client secret through a secret manager (a shared \
         vault item or a one-time secret link), never by email or chat. They go only into \
         `{prefix}_SHOPIFY_CLIENT_ID` and `{prefix}_SHOPIFY_CLIENT_SECRET` on the consultant's \
         machine.\n\
         5. Uninstalling the app ends the access at once: every token it issued stops working.\n\
         6. Only to reconcile with Shopify's own sales report (`reconcile`): add the read-only \
         scope `read_reports` to the app and to `client.toml`, and, in the app's API access \
         settings in the Dev Dashboard, request protected customer data access, level 2 (name, \
         email, phone and address fields), which Shopify requires for its sales report \
         (`shopifyqlQuery`); then release the new app version.\n"
    ));
    out
}

/// Which commands need a scope, as the checklist says it: ` (for `sync`, `sync --backfill`)`.
pub fn needed_by(scope: &str) -> String {
    let commands = crate::graphql::needed_by(scope);
    if commands.is_empty() {
        return " (no command sends a query that needs it)".to_owned();
    }
    let quoted: Vec<String> = commands.iter().map(|c| format!("`{c}`")).collect();
    format!(" (for {})", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onboarding_md_is_the_checklist_for_client_toml() {
        let config = ClientConfig::embedded().unwrap();
        assert_eq!(checklist(&config), GENERATED);
    }

    #[test]
    fn the_readme_opens_with_the_checklist() {
        let readme = include_str!("../README.md");
        let steps = GENERATED
            .split_once("\n\n")
            .map_or(GENERATED, |(_, rest)| rest);
        let opening: String = readme.lines().take(40).collect::<Vec<_>>().join("\n");
        assert!(
            opening.contains(steps.trim_end()),
            "README.md does not open with ONBOARDING.md"
        );
    }
}

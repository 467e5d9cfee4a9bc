//! Inbound federation trigger. See `docs/triggers/inbound-federation.md`.
//!
//! Cognito calls it after it has received and validated an identity provider's answer (the SAML
//! response's signature, the ID token's signature, issuer, audience and expiry), before it creates
//! or updates the federated user. The claims are read as the provider sent them: this trigger
//! does not validate tokens or assertions again, it decides which of the claims reach the
//! profile, and in which shape:
//! - each provider's declared mapping (`FEDERATION_ATTRIBUTE_MAP`) is the whole answer: what it
//!   does not name is dropped, so an unverified or unexpected claim never reaches the profile;
//! - `email` normalised as pre sign-up normalises addresses;
//! - `email_verified` / `phone_number_verified` only from a provider in `LINK_TRUSTED_PROVIDERS`;
//! - a groups claim as a JSON list in a `custom:` attribute, as many groups as fit;
//! - Cognito's value limit enforced: text cut, addresses, numbers and links refused, each with a
//!   log line naming the attribute and the reason (never the value).
//!
//! It calls nothing (no AWS call, no port). Failure policy: fail closed where the answer would
//! otherwise be the pool's unfiltered mapping — a mapped provider whose claims yield no attribute
//! is refused (an empty answer would mean "keep Cognito's own mapping"); an unmapped provider is
//! answered `{}` or refused (`UNMAPPED_PROVIDERS`). An unknown trigger source is answered unchanged.

pub mod mapping;
pub mod settings;

use async_trait::async_trait;
use trigger_core::events::{InboundFederationEvent, InboundFederationSource};
use trigger_core::metrics;
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError};

pub use settings::{Settings, Unmapped};

/// The binary name.
pub const NAME: &str = "inbound-federation";

/// A mapped provider sent none of the claims its mapping names.
pub const NOTHING_MAPPED: &str =
    "Your sign-in provider did not send the details this app needs. Please contact your administrator";
/// `UNMAPPED_PROVIDERS=deny` and the provider has no mapping.
pub const PROVIDER_NOT_SET_UP: &str = "Sign-in with this provider is not set up for this app";

/// What the trigger talks to: nothing. It decides from the event alone.
#[derive(Clone, Debug, Default)]
pub struct Ports {}

/// The inbound federation trigger.
pub struct InboundFederation {
    settings: Settings,
    #[allow(dead_code)] // the skeleton every trigger shares; this one has no port
    ports: Ports,
}

impl InboundFederation {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: the settings only (a bad mapping fails init naming the variable). No client.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        tracing::info!(
            providers = ?settings.mappings.keys().collect::<Vec<_>>(),
            trusted = ?settings.trusted.names(),
            unmapped = ?settings.unmapped,
            "attribute mappings ready"
        );
        Ok(Self::new(settings, Ports::default()))
    }
}

#[async_trait]
impl Trigger for InboundFederation {
    const NAME: &'static str = NAME;
    type Event = InboundFederationEvent;

    async fn handle(&self, mut event: InboundFederationEvent) -> Result<InboundFederationEvent, TriggerError> {
        if event.trigger_source != InboundFederationSource::ExternalProvider {
            tracing::warn!(source = %event.trigger_source, "unknown source: answered unchanged");
            metrics::count(NAME, "UnknownSource");
            return Ok(event);
        }
        let request = &event.request;
        let provider = request.provider_name.as_str();
        let provider_type = request.provider_type.as_str();
        let Some(mapping) = self.settings.mapping_for(provider) else {
            metrics::count(NAME, "UnmappedProvider");
            return match self.settings.unmapped {
                Unmapped::Keep => {
                    tracing::info!(provider, provider_type, "no mapping: the pool's own attribute mapping applies");
                    event.response.user_attributes_to_map.clear();
                    Ok(event)
                }
                Unmapped::Deny => {
                    tracing::warn!(provider, provider_type, "no mapping: sign-in refused (UNMAPPED_PROVIDERS=deny)");
                    Err(TriggerError::denied(PROVIDER_NOT_SET_UP))
                }
            };
        };
        let trusted = self.settings.trusted.trusts(provider);
        let mapped = mapping::map(request, mapping, trusted);
        for note in &mapped.notes {
            let change = note.change;
            tracing::warn!(provider, attribute = %note.attribute, ?change, "attribute value changed or left out");
            metrics::count(NAME, change.metric());
        }
        if mapped.attributes.is_empty() {
            tracing::warn!(provider, provider_type, "the provider sent none of the mapped claims: sign-in refused");
            metrics::count(NAME, "NothingMapped");
            return Err(TriggerError::denied(NOTHING_MAPPED));
        }
        tracing::info!(
            provider,
            provider_type,
            trusted,
            attributes = ?mapped.attributes.keys().collect::<Vec<_>>(),
            "attributes mapped"
        );
        event.response.user_attributes_to_map = mapped.attributes;
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trigger_core::is_fit_for_cognito;

    #[test]
    fn user_facing_texts_are_fit_for_cognito() {
        for text in [NOTHING_MAPPED, PROVIDER_NOT_SET_UP] {
            assert!(is_fit_for_cognito(text), "{text:?}");
        }
    }
}

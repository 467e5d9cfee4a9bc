//! A TLS endpoint for `localhost` whose certificate a fresh test CA issued: for the tests of
//! clients that must trust exactly the roots they are given (the SDK's connector with a custom CA,
//! the e-mail and SMS providers' HTTPS client). The caller owns the listener and the protocol.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// What a test server and its client need: the server's acceptor, and the CA to trust.
pub struct LocalhostTls {
    /// Accepts TLS as `localhost`, with a leaf certificate the CA signed (the CA not sent).
    pub acceptor: TlsAcceptor,
    /// The CA's certificate, for a root store.
    pub ca_der: CertificateDer<'static>,
    /// The same, PEM-encoded (what a `*_CA_FILE`-style setting holds).
    pub ca_pem: String,
}

/// A new CA named `ca_name`, a `localhost` certificate it signed, and an acceptor serving it.
pub fn localhost_tls(ca_name: &str) -> Result<LocalhostTls, Box<dyn std::error::Error + Send + Sync>> {
    let ca_key = rcgen::KeyPair::generate()?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, ca_name);
    let ca = ca_params.self_signed(&ca_key)?;
    let leaf_key = rcgen::KeyPair::generate()?;
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?.signed_by(&leaf_key, &ca, &ca_key)?;
    let key = PrivateKeyDer::from_pem_slice(leaf_key.serialize_pem().as_bytes())?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)?;
    Ok(LocalhostTls { acceptor: TlsAcceptor::from(Arc::new(config)), ca_der: ca.der().clone(), ca_pem: ca.pem() })
}

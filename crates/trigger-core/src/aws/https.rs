//! The HTTPS client every SDK client of a trigger shares, and the roots of trust it verifies AWS's
//! certificates against.
//!
//! It is the SDK's default client (hyper 1 and rustls over aws-lc-rs, the proxy settings of the
//! environment, the connector settings of each client) with one difference: by default it trusts
//! the five root certificates that AWS names for its endpoints, compiled in, instead of the
//! system's store. The default client reads and parses every certificate of the system store at
//! cold start and again for each new set of connector settings (147 files on this project's build
//! machine, one bundle of about 140 certificates on Lambda's images): on a 128 MB function that is
//! CPU time in the user's wait, spent on roots no AWS endpoint chains to. `TLS_TRUST_STORE=system`
//! restores the default (for an egress proxy that re-signs TLS with an organisation's own root,
//! which then comes from `SSL_CERT_FILE` or the system store).

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{self, TlsContext};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::config::{ConfigError, Env};

/// The roots AWS lists for its service endpoints ("Amazon Trust Services": Amazon Root CA 1–4,
/// and Starfield Services Root Certificate Authority – G2, which cross-signs them for older
/// clients), PEM, each under its subject and SHA-256 fingerprint. Taken from Debian's
/// ca-certificates (Mozilla's store); the fingerprints are AWS's published ones, checked by the
/// tests below.
const AMAZON_ROOTS_PEM: &[u8] = include_bytes!("amazon-roots.pem");

/// Which certificates a TLS connection to AWS may chain to (`TLS_TRUST_STORE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustStore {
    /// The Amazon Trust Services roots compiled into the binary (default).
    Amazon,
    /// The platform's store, as the SDK's default client (`SSL_CERT_FILE` / `SSL_CERT_DIR`
    /// honoured), for a TLS-inspecting egress proxy.
    System,
}

impl TrustStore {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        env.choice("TLS_TRUST_STORE", &[("amazon", Self::Amazon), ("system", Self::System)])
    }
}

/// The client to hand to `aws_config` (`http_client`): every SDK client built from that config
/// shares it, and with it one connection pool per set of connector settings.
pub fn https_client(trust: TrustStore) -> SharedHttpClient {
    https_client_trusting(trust, None)
}

/// As [`https_client`], with one more PEM root on top of `trust` (the tests' own CA).
fn https_client_trusting(trust: TrustStore, extra_root_pem: Option<&[u8]>) -> SharedHttpClient {
    let client = connector_per_settings(trust, extra_root_pem);
    match trust {
        TrustStore::Amazon => SharedHttpClient::new(WithoutWarmUp(client)),
        TrustStore::System => client,
    }
}

/// The SDK's client minus its warm-up. Each time an SDK client is built from the config, the
/// SDK's HTTPS client builds a connector and throws it away, so that the system's roots are read
/// at init rather than at the first request; every connector build parses the roots anew. With
/// the roots compiled in there is nothing to read early, and a trigger building four clients
/// paid four parses at init for the one connector its first call builds anyway (callgrind: the
/// roots' PEM decoding was a fifth of pre-signup's instructions up to its first answer).
#[derive(Debug)]
struct WithoutWarmUp(SharedHttpClient);

impl HttpClient for WithoutWarmUp {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn validate_final_config(&self, components: &RuntimeComponents, cfg: &ConfigBag) -> Result<(), BoxError> {
        self.0.validate_final_config(components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// The SDK's HTTPS client with `trust` (and `extra_root_pem`) as its roots.
fn connector_per_settings(trust: TrustStore, extra_root_pem: Option<&[u8]>) -> SharedHttpClient {
    let mut roots = match trust {
        TrustStore::Amazon => tls::TrustStore::empty().with_pem_certificate(AMAZON_ROOTS_PEM),
        TrustStore::System => tls::TrustStore::default(),
    };
    if let Some(pem) = extra_root_pem {
        roots.add_pem_certificate(pem);
    }
    // `build` cannot fail for a context without extra server names (aws-smithy-http-client 1.5);
    // should a later version refuse it, the SDK's own default context (the system store) keeps
    // the trigger working rather than failing every call.
    let context = TlsContext::builder().with_trust_store(roots).build().unwrap_or_default();
    // What the SDK's default client does for each set of connector settings (aws-smithy-runtime
    // `default_https_client`), with `context` as the roots.
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut connector = ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context.clone());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use sha2::{Digest, Sha256};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use crate::testing::tls::{LocalhostTls, localhost_tls};

    /// AWS's published SHA-256 fingerprints of the five roots (amazontrust.com/repository).
    const PUBLISHED_FINGERPRINTS: [&str; 5] = [
        "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e", // Amazon Root CA 1
        "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4", // Amazon Root CA 2
        "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4", // Amazon Root CA 3
        "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092", // Amazon Root CA 4
        "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5", // Starfield Services G2
    ];

    #[test]
    fn the_compiled_in_roots_are_exactly_the_five_aws_publishes() {
        let roots: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(AMAZON_ROOTS_PEM).collect::<Result<_, _>>().unwrap();
        let fingerprints: Vec<String> = roots
            .iter()
            .map(|der| Sha256::digest(der.as_ref()).iter().map(|byte| format!("{byte:02x}")).collect())
            .collect();
        assert_eq!(fingerprints, PUBLISHED_FINGERPRINTS);
        // Each is a usable trust anchor for rustls (what the connector does with them).
        let mut store = rustls::RootCertStore::empty();
        assert_eq!(store.add_parsable_certificates(roots), (5, 0));
    }

    #[test]
    fn the_trust_store_is_read_from_the_environment_amazon_by_default() {
        assert_eq!(TrustStore::from_env(&Env::default()).unwrap(), TrustStore::Amazon);
        let system = Env::from_pairs([("TLS_TRUST_STORE", "System")]);
        assert_eq!(TrustStore::from_env(&system).unwrap(), TrustStore::System);
        let bad = Env::from_pairs([("TLS_TRUST_STORE", "none")]);
        assert_eq!(TrustStore::from_env(&bad).unwrap_err().variable(), "TLS_TRUST_STORE");
    }

    /// A TLS server on loopback whose certificate for `localhost` a fresh test CA issued: it
    /// answers every request with a DynamoDB ListTables reply and counts the requests it read.
    struct LocalTlsServer {
        endpoint: String,
        ca_pem: String,
        requests: Arc<AtomicUsize>,
    }

    async fn local_tls_server() -> LocalTlsServer {
        let LocalhostTls { acceptor, ca_pem, .. } = localhost_tls("cognito-triggers test CA").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (acceptor, counter) = (acceptor.clone(), counter.clone());
                tokio::spawn(async move {
                    // A refused handshake ends here: the client never sends a request.
                    let Ok(mut stream) = acceptor.accept(socket).await else { return };
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
                    let length = text
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:"))
                        .and_then(|value| value.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    let mut body = vec![0u8; length];
                    if stream.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    let reply = br#"{"TableNames":["reached-through-tls"]}"#;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        reply.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(reply).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        LocalTlsServer { endpoint: format!("https://localhost:{port}"), ca_pem, requests }
    }

    fn dynamodb_through(client: SharedHttpClient, endpoint: &str) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .endpoint_url(endpoint)
            .http_client(client)
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    #[tokio::test]
    async fn the_client_completes_a_call_over_tls_to_a_server_it_trusts() {
        let server = local_tls_server().await;
        let client = https_client_trusting(TrustStore::Amazon, Some(server.ca_pem.as_bytes()));
        let tables = dynamodb_through(client, &server.endpoint).list_tables().send().await.unwrap();
        assert_eq!(tables.table_names(), ["reached-through-tls"]);
        assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn either_store_refuses_a_certificate_that_chains_to_another_root() {
        let server = local_tls_server().await;
        for trust in [TrustStore::Amazon, TrustStore::System] {
            let error = dynamodb_through(https_client(trust), &server.endpoint).list_tables().send().await.unwrap_err();
            let chain = format!("{:?}", aws_smithy_types::error::display::DisplayErrorContext(&error));
            assert!(chain.contains("UnknownIssuer"), "{trust:?}: {chain}");
        }
        assert_eq!(server.requests.load(Ordering::SeqCst), 0, "no request may cross an untrusted connection");
    }
}

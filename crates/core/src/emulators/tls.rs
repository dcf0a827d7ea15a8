//! `grantcheck emulate --tls`: strict client libraries refuse plain HTTP, so the
//! emulator can be reached over TLS with a certificate made for this run. A
//! certificate authority and a certificate for `127.0.0.1`, `::1` and `localhost`
//! signed by it are generated at start; the app trusts the authority's PEM file (it
//! exists for this run only, and its key never leaves memory). The TLS front decrypts
//! and hands each connection to the emulator's plain listener on loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// How long a client may take over its TLS handshake before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// This run's certificate authority (PEM, for the app to trust) and the server
/// configuration that presents a certificate it signed.
pub struct RunCertificate {
    pub ca_pem: String,
    config: Arc<rustls::ServerConfig>,
}

impl RunCertificate {
    pub fn generate() -> Result<Self, String> {
        let fail = |what: &str, e: &dyn std::fmt::Display| format!("cannot make the {what}: {e}");
        let ca_key = KeyPair::generate().map_err(|e| fail("authority's key", &e))?;
        let mut ca = CertificateParams::new(Vec::<String>::new())
            .map_err(|e| fail("authority's certificate", &e))?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "grantcheck emulator CA (this run only)");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca
            .self_signed(&ca_key)
            .map_err(|e| fail("authority's certificate", &e))?;
        let key = KeyPair::generate().map_err(|e| fail("server key", &e))?;
        let names = ["127.0.0.1", "::1", "localhost"].map(String::from).to_vec();
        let mut leaf = CertificateParams::new(names).map_err(|e| fail("certificate", &e))?;
        leaf.distinguished_name
            .push(DnType::CommonName, "grantcheck emulator");
        let cert = leaf
            .signed_by(&key, &ca_cert, &ca_key)
            .map_err(|e| fail("certificate", &e))?;
        let chain = vec![CertificateDer::from(cert.der().to_vec())];
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| fail("TLS configuration", &e))?
            .with_no_client_auth()
            .with_single_cert(chain, private)
            .map_err(|e| fail("TLS configuration", &e))?;
        Ok(Self {
            ca_pem: ca_cert.pem(),
            config: Arc::new(config),
        })
    }

    /// Serves TLS on `listener`, each connection passed on to `backend` (the emulator's
    /// plain listener). Runs until the task is dropped.
    pub async fn front(self, listener: std::net::TcpListener, backend: SocketAddr) {
        let acceptor = TlsAcceptor::from(self.config);
        let Ok(listener) = listener
            .set_nonblocking(true)
            .and_then(|()| TcpListener::from_std(listener))
        else {
            return;
        };
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that never finishes its handshake costs a task for 10 s.
                let Ok(Ok(mut tls)) =
                    tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                else {
                    return;
                };
                if let Ok(mut plain) = TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client that trusts the run's authority gets the emulator's answer over TLS; one
    /// that does not is refused at the handshake.
    #[tokio::test]
    async fn an_app_trusting_the_run_authority_reaches_the_emulator() {
        let backend = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let backend_addr = backend.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut s, _)) = backend.accept().await {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            }
        });
        let cert = RunCertificate::generate().expect("certificate");
        let ca = reqwest::Certificate::from_pem(cert.ca_pem.as_bytes()).expect("PEM");
        let front = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = front.local_addr().unwrap().port();
        tokio::spawn(cert.front(front, backend_addr));
        let _ = rustls::crypto::ring::default_provider().install_default();
        let trusting = reqwest::Client::builder()
            .tls_certs_only([ca])
            .build()
            .unwrap();
        for host in ["127.0.0.1", "localhost"] {
            let r = trusting
                .get(format!("https://{host}:{port}/x"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{host}: {e}"));
            assert_eq!(r.text().await.unwrap(), "ok");
        }
        let other = RunCertificate::generate().expect("certificate");
        let stranger = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(other.ca_pem.as_bytes()).unwrap()])
            .build()
            .unwrap();
        assert!(
            stranger
                .get(format!("https://127.0.0.1:{port}/x"))
                .send()
                .await
                .is_err()
        );
    }
}

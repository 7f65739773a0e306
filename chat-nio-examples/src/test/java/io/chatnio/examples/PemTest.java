package io.chatnio.examples;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Pem} on certificates and keys made by the JDK's keytool ({@link TestCerts}), and the contexts it builds
 * in a real handshake between JDK sockets over loopback (independent of the library).
 *
 * <p>Threads: the JUnit thread; a handshake's server side runs on a common-pool thread, every socket operation
 * bounded by a timeout.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PemTest {
    private static final int TIMEOUT_MILLIS = 10_000;
    /** keytool -keyalg values, and the key algorithm the JDK gives their keys. */
    private static final Map<String, String> ALGORITHMS =
            Map.of("EC", "EC", "RSA", "RSA", "Ed25519", "EdDSA", "RSASSA-PSS", "RSASSA-PSS");

    @TempDir
    static Path dir;
    /** A server certificate and key issued by a test CA. */
    private static TestCerts.Issued issued;
    /** An EC certificate and key unrelated to {@link #issued}. */
    private static TestCerts.SelfSigned stranger;

    @BeforeAll
    static void makeCertificates() throws Exception {
        issued = TestCerts.issued(dir);
        stranger = TestCerts.selfSigned(dir, "stranger", "EC");
    }

    @Test
    void loadsAChainLeafFirstAndItsKey() throws Exception {
        X509Certificate[] chain = Pem.certificates(issued.chain());
        assertThat(chain).hasSize(2);
        assertThat(chain[0]).isEqualTo(issued.leaf());
        assertThat(chain[1].getSubjectX500Principal().getName()).isEqualTo("CN=chat-nio test CA");
        assertThat(chain[0].getIssuerX500Principal()).isEqualTo(chain[1].getSubjectX500Principal());

        PrivateKey key = Pem.privateKey(issued.key(), chain[0]);
        assertThat(key.getAlgorithm()).isEqualTo("EC");
        assertThat(key.getFormat()).isEqualTo("PKCS#8");
    }

    @Test
    void aServerWithTheChainIsTrustedThroughItsCa() throws Exception {
        X509Certificate[] chain = Pem.certificates(issued.chain());
        SSLContext server = Pem.serverContext(chain, Pem.privateKey(issued.key(), chain[0]));
        assertThat(handshake(server, Pem.clientContext(issued.ca()), "localhost")).isEqualTo("TLSv1.3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"EC", "RSA", "Ed25519", "RSASSA-PSS"})
    void readsTheKeyWithTheCertificatesAlgorithm(String keytoolAlgorithm, @TempDir Path own) throws Exception {
        TestCerts.SelfSigned files = TestCerts.selfSigned(own, "self", keytoolAlgorithm);
        X509Certificate[] chain = Pem.certificates(files.cert());
        PrivateKey key = Pem.privateKey(files.key(), chain[0]);
        assertThat(key.getAlgorithm()).isEqualTo(ALGORITHMS.get(keytoolAlgorithm));

        // a self-signed certificate is its own trust anchor
        SSLContext server = Pem.serverContext(chain, key);
        assertThat(handshake(server, Pem.clientContext(files.cert()), "localhost")).startsWith("TLSv1.");
    }

    @Test
    void refusesAKeyOfAnotherCertificate() throws Exception {
        assertThatThrownBy(() -> Pem.privateKey(stranger.key(), issued.leaf()))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining(stranger.key().toString())
                .hasMessageContaining("does not belong to the certificate CN=localhost");
        // the CA's certificate is not the key's either
        X509Certificate ca = Pem.certificates(issued.ca())[0];
        assertThatThrownBy(() -> Pem.privateKey(issued.key(), ca)).hasMessageContaining("does not belong");
    }

    @Test
    void refusesAKeyOfAnotherAlgorithm(@TempDir Path own) throws Exception {
        TestCerts.SelfSigned rsa = TestCerts.selfSigned(own, "rsa", "RSA");
        assertThatThrownBy(() -> Pem.privateKey(rsa.key(), issued.leaf()))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("not a PKCS#8 EC private key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"})
    void refusesOtherKeyFormatsWithTheConversionCommand(String label) throws Exception {
        Path key = Files.writeString(dir.resolve("other-format.pem"), TestCerts.pem(label, new byte[] {48, 0}));
        assertThatThrownBy(() -> Pem.privateKey(key, issued.leaf()))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("'" + label + "' keys are not supported")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
    }

    @Test
    void refusesAFileWithoutCertificates() throws Exception {
        Path keyOnly = issued.key();
        assertThatThrownBy(() -> Pem.certificates(keyOnly))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("no certificate");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> Pem.certificates(empty)).hasMessageContaining("not a PEM file");
        assertThatThrownBy(() -> Pem.privateKey(issued.chain(), issued.leaf())).hasMessageContaining("no private key");
    }

    @Test
    void refusesAChainOutOfOrder() throws Exception {
        X509Certificate[] chain = Pem.certificates(issued.chain());
        PrivateKey key = Pem.privateKey(issued.key(), chain[0]);
        assertThatThrownBy(() -> Pem.serverContext(new X509Certificate[] {chain[0], chain[0]}, key))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("is not issued by the next one");
    }

    @Test
    void namesAMissingFileAndBadBase64() throws Exception {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> Pem.certificates(missing))
                .isInstanceOf(IOException.class)
                .hasMessage(missing + ": no such file");
        Path garbled = Files.writeString(dir.resolve("garbled.pem"),
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", US_ASCII);
        assertThatThrownBy(() -> Pem.certificates(garbled))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("certificate 1 is not a valid X.509 certificate");
    }

    @Test
    void theInsecureContextAcceptsWhatTheTrustingOneRefuses() throws Exception {
        X509Certificate[] chain = Pem.certificates(stranger.cert());
        SSLContext server = Pem.serverContext(chain, Pem.privateKey(stranger.key(), chain[0]));

        assertThatThrownBy(() -> handshake(server, Pem.clientContext(issued.ca()), "localhost"))
                .isInstanceOf(SSLException.class);
        // any certificate, and with the host name check off any name
        assertThat(handshake(server, Pem.insecureClientContextTrustingAnyCertificate(), null)).isEqualTo("TLSv1.3");
    }

    /**
     * One handshake over loopback and one byte echoed, the server side on another thread.
     *
     * @param verifyName the name the client sends (SNI) and checks the certificate against; null for no check
     * @return the protocol the client negotiated
     */
    private static String handshake(SSLContext server, SSLContext client, String verifyName) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(TIMEOUT_MILLIS);
            CompletableFuture<Void> echoed = CompletableFuture.runAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                    accepted.setSoTimeout(TIMEOUT_MILLIS);
                    accepted.getOutputStream().write(accepted.getInputStream().read());
                    accepted.getOutputStream().flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            String protocol;
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket()) {
                socket.setSoTimeout(TIMEOUT_MILLIS);
                if (verifyName != null) {
                    SSLParameters parameters = socket.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    parameters.setServerNames(List.of(new SNIHostName(verifyName)));
                    socket.setSSLParameters(parameters);
                }
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()),
                        TIMEOUT_MILLIS);
                socket.startHandshake();
                socket.getOutputStream().write(42);
                socket.getOutputStream().flush();
                assertThat(socket.getInputStream().read()).isEqualTo(42);
                protocol = socket.getSession().getProtocol();
            } // the server side's close waits for this side's close_notify
            echoed.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            return protocol;
        }
    }
}

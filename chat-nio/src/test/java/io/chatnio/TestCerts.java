package io.chatnio;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test certificates, generated once per JVM (on first use) with the JDK's own {@code keytool}, offline, into a
 * temporary directory deleted at exit: a CA, and EC P-256 server certificates: a good one signed by the CA (SAN
 * {@code dns:localhost, ip:127.0.0.1}), an expired one signed by the CA, one signed by the CA for another host
 * ({@code dns:other.test}), and a self-signed one nobody trusts. Each call returns a fresh {@link SSLContext}, so
 * no session cache is shared between tests.
 */
final class TestCerts {
    /** The server certificates. */
    enum Cert {
        /** Signed by the CA; SAN localhost and 127.0.0.1. */
        SERVER("dns:localhost,ip:127.0.0.1", "-validity", "3650"),
        /** Signed by the CA; SAN localhost and 127.0.0.1; valid for one day, ten days ago. */
        EXPIRED("dns:localhost,ip:127.0.0.1", "-startdate", "-10d", "-validity", "1"),
        /** Signed by the CA; SAN other.test only. */
        OTHER_HOST("dns:other.test", "-validity", "3650"),
        /** Self-signed; SAN localhost and 127.0.0.1; trusted by no one. */
        SELF_SIGNED("dns:localhost,ip:127.0.0.1");

        final String san;
        final String[] validity;

        Cert(String san, String... validity) {
            this.san = san;
            this.validity = validity;
        }
    }

    private static final char[] PASSWORD = "changeit".toCharArray();

    private final Path dir;
    private final X509Certificate ca;
    private final Path caPem;
    private final Map<Cert, PrivateKey> keys = new EnumMap<>(Cert.class);
    private final Map<Cert, Certificate[]> chains = new EnumMap<>(Cert.class);

    private static final class Holder {
        static final TestCerts INSTANCE = generate();
    }

    private TestCerts(Path dir) throws IOException, GeneralSecurityException, InterruptedException {
        this.dir = dir;
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=chat-nio test CA", "-ext", "bc:c", "-validity", "3650",
                "-keystore", "ca.p12");
        ca = (X509Certificate) load("ca").getCertificate("ca");
        for (Cert c : Cert.values()) {
            String name = c.name().toLowerCase();
            keytool("-genkeypair", "-alias", name, "-dname", "CN=" + name, "-ext", "SAN=" + c.san, "-validity", "3650",
                    "-keystore", name + ".p12");
            KeyStore ks = load(name);
            keys.put(c, (PrivateKey) ks.getKey(name, PASSWORD));
            chains.put(c, c == Cert.SELF_SIGNED ? ks.getCertificateChain(name) : signedByCa(name, c));
        }
        caPem = dir.resolve("ca.pem");
        Files.writeString(caPem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(ca.getEncoded())
                + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
    }

    /** The chain of a new certificate for {@code name}'s key, signed by the CA, with {@code c}'s SAN and dates. */
    private Certificate[] signedByCa(String name, Cert c)
            throws IOException, GeneralSecurityException, InterruptedException {
        keytool("-certreq", "-alias", name, "-keystore", name + ".p12", "-file", name + ".csr");
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore", "ca.p12",
                "-infile", name + ".csr", "-outfile", name + ".crt", "-rfc", "-ext", "SAN=" + c.san));
        gencert.addAll(List.of(c.validity));
        keytool(gencert.toArray(String[]::new));
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".crt"))) {
            return new Certificate[] {CertificateFactory.getInstance("X.509").generateCertificate(in), ca};
        }
    }

    private static TestCerts generate() {
        try {
            Path dir = Files.createTempDirectory("chat-nio-certs");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete test certs"));
            return new TestCerts(dir);
        } catch (IOException | GeneralSecurityException | InterruptedException e) {
            throw new IllegalStateException("cannot generate the test certificates", e);
        }
    }

    /** Runs the JDK's keytool in {@link #dir}, with the store settings and (for new keys) EC P-256, which is fast. */
    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        if (args[0].equals("-genkeypair")) {
            cmd.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1"));
        }
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit", "-noprompt"));
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("keytool did not finish within 60 s: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool failed (" + p.exitValue() + "): " + cmd + "\n" + Files.readString(log));
        }
    }

    private KeyStore load(String name) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at exit
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** A server context presenting {@code cert} (with the CA behind it, if the CA signed it). */
    static SSLContext server(Cert cert) {
        TestCerts t = Holder.INSTANCE;
        return context(() -> {
            KeyStore ks = emptyStore();
            ks.setKeyEntry("server", t.keys.get(cert), PASSWORD, t.chains.get(cert));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASSWORD);
            return kmf.getKeyManagers();
        }, null);
    }

    /** A server context with the good certificate. */
    static SSLContext server() {
        return server(Cert.SERVER);
    }

    /** A client context that trusts the test CA only. */
    static SSLContext clientTrustingCa() {
        return context(() -> null, () -> {
            KeyStore ks = emptyStore();
            ks.setCertificateEntry("ca", Holder.INSTANCE.ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf.getTrustManagers();
        });
    }

    /** A client context with the JDK's default trust store, which does not know the test CA. */
    static SSLContext clientDefaultTrust() {
        return context(() -> null, null);
    }

    /** The CA certificate as a PEM file (for {@code openssl -CAfile}). */
    static Path caPem() {
        return Holder.INSTANCE.caPem;
    }

    private interface Managers<T> {
        T get() throws IOException, GeneralSecurityException;
    }

    private static SSLContext context(Managers<KeyManager[]> keys, Managers<TrustManager[]> trust) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys.get(), trust == null ? null : trust.get(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyStore emptyStore() throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        return ks;
    }
}

package io.chatnio.examples;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made offline by the JDK's own {@code keytool}, run as a process, and written as PEM the way
 * openssl writes them: certificates as {@code CERTIFICATE} blocks, keys as unencrypted PKCS#8
 * {@code PRIVATE KEY} blocks. Each method runs keytool one to four times (about a second each).
 *
 * <p>Threads: whichever thread calls (the JUnit thread); it waits for each keytool run, at most
 * {@link #KEYTOOL_SECONDS}.
 */
final class TestCerts {
    static final long KEYTOOL_SECONDS = 60;
    private static final String STOREPASS = "changeit";
    /** The names a server certificate is valid for. */
    private static final String SAN = "SAN=dns:localhost,ip:127.0.0.1";

    private TestCerts() {
    }

    /**
     * A server certificate issued by a test CA, in {@code dir}.
     *
     * @param chain PEM: the server's certificate ({@code CN=localhost}, for localhost and 127.0.0.1), then the CA's
     * @param key   PEM: the server's PKCS#8 private key
     * @param ca    PEM: the CA's certificate alone, to trust
     * @param leaf  the server's certificate
     */
    record Issued(Path chain, Path key, Path ca, X509Certificate leaf) {
    }

    /** An EC P-256 server certificate for localhost and 127.0.0.1 issued by a fresh CA. */
    static Issued issued(Path dir) throws IOException, GeneralSecurityException, InterruptedException {
        Path store = dir.resolve("issued.p12");
        keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=chat-nio test CA", "-ext", "bc:c", "-validity", "2", "-keystore", store.toString());
        keytool(dir, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-validity", "2", "-keystore", store.toString());
        Path request = dir.resolve("server.csr");
        keytool(dir, "-certreq", "-alias", "server", "-file", request.toString(), "-keystore", store.toString());
        Path signed = dir.resolve("server.crt");
        keytool(dir, "-gencert", "-alias", "ca", "-infile", request.toString(), "-outfile", signed.toString(),
                "-ext", SAN, "-validity", "2", "-rfc", "-keystore", store.toString());

        KeyStore keys = load(store);
        X509Certificate leaf;
        try (InputStream in = Files.newInputStream(signed)) {
            leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        Certificate ca = keys.getCertificate("ca");
        return new Issued(writeCertificates(dir.resolve("chain.pem"), leaf, ca),
                writeKey(dir.resolve("key.pem"), (PrivateKey) keys.getKey("server", STOREPASS.toCharArray())),
                writeCertificates(dir.resolve("ca.pem"), ca), leaf);
    }

    /**
     * A self-signed certificate for localhost and 127.0.0.1 with a key of {@code keyAlgorithm} (a keytool
     * {@code -keyalg}: EC, RSA, Ed25519, RSASSA-PSS), written as {@code NAME-cert.pem} and {@code NAME-key.pem}.
     *
     */
    static SelfSigned selfSigned(Path dir, String name, String keyAlgorithm)
            throws IOException, GeneralSecurityException, InterruptedException {
        Path store = dir.resolve(name + ".p12");
        keytool(dir, "-genkeypair", "-alias", name, "-keyalg", keyAlgorithm, "-dname", "CN=localhost",
                "-ext", SAN, "-validity", "2", "-keystore", store.toString());
        KeyStore keys = load(store);
        return new SelfSigned(writeCertificates(dir.resolve(name + "-cert.pem"), keys.getCertificate(name)),
                writeKey(dir.resolve(name + "-key.pem"), (PrivateKey) keys.getKey(name, STOREPASS.toCharArray())));
    }

    /** A self-signed certificate's PEM file and its key's PEM file. */
    record SelfSigned(Path cert, Path key) {
    }

    /** PEM as openssl writes it: base64 in lines of 64 characters between the BEGIN and END lines. */
    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static Path writeCertificates(Path file, Certificate... certificates) throws IOException,
            GeneralSecurityException {
        StringBuilder text = new StringBuilder();
        for (Certificate c : certificates) {
            text.append(pem("CERTIFICATE", c.getEncoded()));
        }
        return Files.writeString(file, text, US_ASCII);
    }

    private static Path writeKey(Path file, PrivateKey key) throws IOException {
        return Files.writeString(file, pem("PRIVATE KEY", key.getEncoded()), US_ASCII); // getEncoded(): PKCS#8
    }

    private static KeyStore load(Path store) throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, STOREPASS.toCharArray());
        }
        return keys;
    }

    /** Runs the JDK's keytool on a PKCS12 store with {@link #STOREPASS}; fails with its output if it fails. */
    private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", STOREPASS));
        Path output = dir.resolve("keytool.out");
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        try {
            keytool.getOutputStream().close(); // nothing to ask: it never waits for input
            if (!keytool.waitFor(KEYTOOL_SECONDS, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IOException("keytool failed: " + command + "\n" + Files.readString(output));
            }
        } finally {
            keytool.destroyForcibly();
        }
    }
}

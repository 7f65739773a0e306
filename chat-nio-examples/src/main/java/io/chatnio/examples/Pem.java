package io.chatnio.examples;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEM files to JSSE {@link SSLContext}s, with the JDK only: a certificate chain ({@code -----BEGIN CERTIFICATE-----}
 * blocks, the server's own certificate first) and an unencrypted PKCS#8 private key
 * ({@code -----BEGIN PRIVATE KEY-----}) of type RSA, EC, EdDSA (Ed25519, Ed448) or RSASSA-PSS. Other key formats
 * (PKCS#1 {@code BEGIN RSA PRIVATE KEY}, SEC 1 {@code BEGIN EC PRIVATE KEY}, {@code BEGIN ENCRYPTED PRIVATE KEY})
 * are refused with the {@value #CONVERT} command that converts them.
 *
 * <p>Every failure is an {@link IOException} (the file cannot be read) or a {@link GeneralSecurityException}
 * (its content is unusable) whose message is one line naming the file, meant to be shown as it is.
 *
 * <p><b>Threading.</b> Stateless: every method may be called from any thread (the subcommands call them on the
 * main thread, before they start a reactor). The contexts returned are thread-safe; the trust manager of
 * {@link #insecureClientContextTrustingAnyCertificate()} is called by the JDK's TLS engine on whichever thread
 * runs the handshake, the reactor's loop thread.
 */
public final class Pem {
    private static final Logger log = LoggerFactory.getLogger(Pem.class);

    /** How to turn any other private key file into the unencrypted PKCS#8 this class reads. */
    public static final String CONVERT = "openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem";

    /** One PEM block; the body is everything between the lines (base64, perhaps headers). */
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PKCS8 = "PRIVATE KEY";
    /**
     * Protects the private key inside the in-memory key store of {@link #serverContext}, which is never written
     * anywhere: a constant is as good as any.
     */
    private static final char[] IN_MEMORY_PASSWORD = "chat-nio-in-memory".toCharArray();

    private Pem() {
    }

    /**
     * The certificates of a PEM file in file order: for a server, its own certificate (the leaf) first, then
     * the intermediates; for a trust file, any number of certificates to trust.
     *
     * @throws GeneralSecurityException if there is none, or one is not a valid X.509 certificate
     */
    public static X509Certificate[] certificates(Path file) throws IOException, GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block block : blocks(file)) {
            if (block.label().equals(CERTIFICATE)) {
                try {
                    certificates.add((X509Certificate) factory.generateCertificate(
                            new ByteArrayInputStream(block.decode(file))));
                } catch (CertificateException e) {
                    throw new GeneralSecurityException(file + ": certificate " + (certificates.size() + 1)
                            + " is not a valid X.509 certificate: " + e.getMessage(), e);
                }
            }
        }
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException(file + ": no certificate in it (no -----BEGIN CERTIFICATE----- block)");
        }
        return certificates.toArray(X509Certificate[]::new);
    }

    /**
     * The unencrypted PKCS#8 private key of a PEM file, which must belong to {@code leaf}: it is read with the
     * {@link KeyFactory} of the leaf's key algorithm, then a random message signed with it must verify with the
     * leaf's public key. The file may hold certificates too (they are ignored).
     *
     * @throws GeneralSecurityException if there is no PKCS#8 key (a PKCS#1, SEC 1 or encrypted key is refused with
     *                                  the {@value #CONVERT} hint), or more than one, or it does not match the leaf
     */
    public static PrivateKey privateKey(Path file, X509Certificate leaf) throws IOException, GeneralSecurityException {
        List<Block> blocks = blocks(file);
        List<Block> keys = blocks.stream().filter(b -> b.label().equals(PKCS8)).toList();
        if (keys.isEmpty()) {
            for (Block block : blocks) {
                if (block.label().endsWith(PKCS8)) {
                    throw new GeneralSecurityException(file + ": '" + block.label() + "' keys are not supported, only "
                            + "unencrypted PKCS#8 'PRIVATE KEY'; convert it with: " + CONVERT);
                }
            }
            throw new GeneralSecurityException(file + ": no private key in it (no -----BEGIN PRIVATE KEY----- block)");
        }
        if (keys.size() > 1) {
            throw new GeneralSecurityException(file + ": " + keys.size() + " private keys in it; expected one");
        }
        String algorithm = leaf.getPublicKey().getAlgorithm();
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(keys.get(0).decode(file)));
        } catch (InvalidKeySpecException e) {
            throw new GeneralSecurityException(file + ": not a PKCS#8 " + algorithm + " private key, as the "
                    + "certificate " + leaf.getSubjectX500Principal() + " needs: " + e.getMessage(), e);
        }
        if (!matches(key, leaf)) {
            throw new GeneralSecurityException(file + ": the private key does not belong to the certificate "
                    + leaf.getSubjectX500Principal());
        }
        return key;
    }

    /**
     * A server context presenting {@code chain} (leaf first) with its {@code key}: a PKCS12 key store in
     * memory, a PKIX {@link KeyManagerFactory}, the JDK's default trust (client certificates are not asked for).
     *
     * @throws GeneralSecurityException if the chain is out of order (each certificate must be issued by the next)
     */
    public static SSLContext serverContext(X509Certificate[] chain, PrivateKey key) throws GeneralSecurityException {
        for (int i = 0; i + 1 < chain.length; i++) {
            if (!chain[i].getIssuerX500Principal().equals(chain[i + 1].getSubjectX500Principal())) {
                throw new GeneralSecurityException("certificate " + (i + 1) + " (" + chain[i].getSubjectX500Principal()
                        + ") is not issued by the next one (" + chain[i + 1].getSubjectX500Principal()
                        + "): the server's certificate comes first, then each issuer");
            }
        }
        KeyStore store = emptyKeyStore();
        store.setKeyEntry("server", key, IN_MEMORY_PASSWORD, chain);
        KeyManagerFactory keys = KeyManagerFactory.getInstance("PKIX");
        keys.init(store, IN_MEMORY_PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    /**
     * A client context that trusts the certificates of a PEM file (a CA, or a server's self-signed certificate)
     * and nothing else; the server's chain is checked with PKIX.
     */
    public static SSLContext clientContext(Path trustFile) throws IOException, GeneralSecurityException {
        X509Certificate[] trusted = certificates(trustFile);
        KeyStore store = emptyKeyStore();
        for (int i = 0; i < trusted.length; i++) {
            store.setCertificateEntry("trusted-" + i, trusted[i]);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /**
     * <b>Insecure</b>: a client context that accepts any server certificate, expired, self-signed or forged,
     * so it gives no protection against a man in the middle. For test servers only; logs a warning when called.
     * Pair it with {@link io.chatnio.TlsOptions#withHostnameVerification(boolean) withHostnameVerification(false)}.
     */
    public static SSLContext insecureClientContextTrustingAnyCertificate() throws GeneralSecurityException {
        log.warn("TLS certificate verification is OFF: any server certificate is accepted (insecure; for test "
                + "servers only)");
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustAnyCertificate()}, null);
        return context;
    }

    /** Whether a random message signed with {@code key} verifies with the leaf's public key. */
    private static boolean matches(PrivateKey key, X509Certificate leaf) throws GeneralSecurityException {
        byte[] message = new byte[32];
        SecureRandom random = new SecureRandom();
        random.nextBytes(message);
        Signature signature = signature(key);
        signature.initSign(key, random);
        signature.update(message);
        byte[] signed = signature.sign();
        signature.initVerify(leaf.getPublicKey());
        signature.update(message);
        return signature.verify(signed);
    }

    private static Signature signature(PrivateKey key) throws GeneralSecurityException {
        String algorithm = key.getAlgorithm();
        return switch (algorithm) {
            case "RSA" -> Signature.getInstance("SHA256withRSA");
            case "EC" -> Signature.getInstance("SHA256withECDSA");
            case "DSA" -> Signature.getInstance("SHA256withDSA");
            case "EdDSA", "Ed25519", "Ed448" -> Signature.getInstance(algorithm);
            case "RSASSA-PSS" -> {
                Signature pss = Signature.getInstance("RSASSA-PSS");
                pss.setParameter(((RSAKey) key).getParams() instanceof PSSParameterSpec restricted ? restricted
                        : new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                yield pss;
            }
            default -> throw new GeneralSecurityException("unsupported private key algorithm " + algorithm
                    + "; expected RSA, EC, EdDSA or RSASSA-PSS");
        };
    }

    private static KeyStore emptyKeyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot create an empty key store", e); // not for an empty one
        }
        return store;
    }

    /** The PEM blocks of a file, in order. */
    private static List<Block> blocks(Path file) throws IOException, GeneralSecurityException {
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1); // any byte; PEM is ASCII
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException(file + ": permission denied", e);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read: " + e.getMessage(), e);
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            blocks.add(new Block(m.group(1), m.group(2)));
        }
        if (blocks.isEmpty()) {
            throw new GeneralSecurityException(file + ": not a PEM file (no -----BEGIN ...----- / -----END ...----- "
                    + "block); a binary DER file must be converted to PEM first");
        }
        return blocks;
    }

    /** A PEM block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}, ...) and its base64 body. */
    private record Block(String label, String body) {
        byte[] decode(Path file) throws GeneralSecurityException {
            try {
                return Base64.getMimeDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw new GeneralSecurityException(file + ": a '" + label + "' block is not valid base64: "
                        + e.getMessage(), e);
            }
        }
    }

    /** Accepts every certificate: see {@link #insecureClientContextTrustingAnyCertificate()}. */
    private static final class TrustAnyCertificate extends X509ExtendedTrustManager {
        private static final X509Certificate[] NONE = {};

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client-side trust manager");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return NONE;
        }
    }
}

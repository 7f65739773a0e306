package io.chatnio.bench;

import io.chatnio.ConnectionOptions;
import io.chatnio.TlsOptions;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for the benchmark servers ({@code chatnio-tls}, {@code netty-tls}) and their clients, the same on both
 * servers: the JDK's {@code SSLEngine}, TLS 1.3 only, one cipher suite ({@link #CIPHER_SUITE}) pinned on the
 * server side, and one self-signed EC P-256 certificate (SAN {@code 127.0.0.1}, {@code localhost}) made once per
 * JVM, on first use, by the running JDK's {@code keytool} into a temporary directory deleted at exit. Clients
 * offer the JDK's defaults; the server's pin decides, so both servers negotiate exactly the same thing.
 *
 * <p>A child JVM that serves clients of its parent must present the parent's certificate: the parent passes
 * {@link #keyStore()} in the system property {@link #KEY_STORE_PROPERTY}, and the child loads that store
 * instead of making its own.
 *
 * <p>Threading: every method may be called from any thread; the certificate is made once (holder idiom), and
 * each call returns a new context.
 */
public final class BenchTls {
    /** The only protocol version either server accepts. */
    public static final String PROTOCOL = "TLSv1.3";
    /** The only cipher suite either server accepts: AES-GCM, as common deployments negotiate with AES-NI. */
    public static final String CIPHER_SUITE = "TLS_AES_128_GCM_SHA256";
    /**
     * Both servers' handshake timeout, from accept. A load driver's set-up does a trial's handshakes all at once
     * (2,000 at 1000 pairs: several seconds of key agreement and signatures on a 2-core machine); the servers'
     * default of 10 s could close the last of them on a slow machine. The driver's set-up deadline is as long.
     */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);
    /** System property naming an existing key store (PKCS12, made by this class) to use instead of a new one. */
    public static final String KEY_STORE_PROPERTY = "io.chatnio.bench.tls.keyStore";

    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final String ALIAS = "bench";
    private static final long KEYTOOL_SECONDS = 60;

    private BenchTls() {
    }

    /** The certificate and key of this JVM; made or loaded on first use. */
    private static final class Holder {
        /** The PKCS12 file holding {@link #STORE}. */
        static final Path FILE;
        /** The key and its self-signed certificate, under {@link #ALIAS}. */
        static final KeyStore STORE;

        static {
            try {
                String given = System.getProperty(KEY_STORE_PROPERTY);
                FILE = given != null ? Path.of(given) : generate();
                STORE = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(FILE)) {
                    STORE.load(in, PASSWORD);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make or load the benchmark certificate", e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot load the benchmark certificate", e);
            }
        }
    }

    /** The key store file (PKCS12, password {@code changeit}), for a child JVM's {@link #KEY_STORE_PROPERTY}. */
    public static Path keyStore() {
        return Holder.FILE;
    }

    /** Whether {@link SeedServer#start} name {@code impl} is a TLS server ({@code -tls}). */
    public static boolean isTls(String impl) {
        return impl.endsWith("-tls");
    }

    /** For a load driver of server {@code impl}: {@link #clientContext()} for a TLS server, null for a plain one. */
    public static SSLContext clientContextFor(String impl) {
        return isTls(impl) ? clientContext() : null;
    }

    /**
     * A new client context (with a session cache of its own) that trusts the benchmark certificate only; it
     * offers the JDK's default versions and suites.
     */
    public static SSLContext clientContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, ClientTrust.MANAGERS, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trust in the benchmark certificate alone, made once: contexts are made per client connection. */
    private static final class ClientTrust {
        static final TrustManager[] MANAGERS;

        static {
            try {
                KeyStore trusted = KeyStore.getInstance("PKCS12");
                trusted.load(null, null);
                trusted.setCertificateEntry(ALIAS, Holder.STORE.getCertificate(ALIAS));
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trusted);
                MANAGERS = tmf.getTrustManagers();
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot trust the benchmark certificate", e);
            }
        }
    }

    /**
     * A server context presenting the certificate; every engine it creates allows {@link #PROTOCOL} and
     * {@link #CIPHER_SUITE} only.
     */
    public static SSLContext serverContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers().getKeyManagers(), null, null);
            return new PinnedContext(context);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The listener options of {@code chatnio-tls}. */
    static ConnectionOptions chatNioServerOptions() {
        return ConnectionOptions.defaults().withTls(TlsOptions.server(serverContext()).withProtocols(PROTOCOL)
                .withHandshakeTimeout(HANDSHAKE_TIMEOUT));
    }

    /**
     * The server context of {@code netty-tls}: Netty's JDK provider, the same certificate, version and suite; its
     * handlers take {@link #HANDSHAKE_TIMEOUT} from the server.
     */
    static SslContext nettyServer() {
        try {
            return SslContextBuilder.forServer(keyManagers()).sslProvider(SslProvider.JDK).protocols(PROTOCOL)
                    .ciphers(List.of(CIPHER_SUITE)).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyManagerFactory keyManagers() {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(Holder.STORE, PASSWORD);
            return kmf;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new key store in a temporary directory (deleted at exit), made by the running JDK's keytool. */
    private static Path generate() throws IOException {
        Path dir = Files.createTempDirectory("chat-nio-bench-tls");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete bench certificate"));
        Path store = dir.resolve("bench.p12");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "3650", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD),
                "-noprompt");
        Path log = dir.resolve("keytool.log");
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            if (!keytool.waitFor(KEYTOOL_SECONDS, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IOException("keytool failed: " + command + "\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for keytool", e);
        } finally {
            keytool.destroyForcibly(); // a no-op once it has exited
        }
        return store;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at exit
        }
    }

    /**
     * An initialised context whose engines allow {@link #PROTOCOL} and {@link #CIPHER_SUITE} only. chat-nio's
     * {@link TlsOptions} has no cipher suite setting; it builds each engine from its context's engine defaults, so
     * pinning the engine pins chat-nio's listener.
     */
    private static final class PinnedContext extends SSLContext {
        PinnedContext(SSLContext delegate) {
            super(new PinnedSpi(delegate), delegate.getProvider(), delegate.getProtocol());
        }
    }

    /** Delegates to an initialised context and pins each engine it creates. Any thread, as {@link SSLContext}. */
    private static final class PinnedSpi extends SSLContextSpi {
        /** Initialised; owns the keys and session caches. */
        private final SSLContext delegate;

        PinnedSpi(SSLContext delegate) {
            this.delegate = delegate;
        }

        private static SSLEngine pin(SSLEngine engine) {
            engine.setEnabledProtocols(new String[] {PROTOCOL});
            engine.setEnabledCipherSuites(new String[] {CIPHER_SUITE});
            return engine;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
            throw new UnsupportedOperationException("already initialised");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw new UnsupportedOperationException("engines only: sockets would not be pinned");
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw new UnsupportedOperationException("engines only: sockets would not be pinned");
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return pin(delegate.createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return pin(delegate.createSSLEngine(host, port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return delegate.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return delegate.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            SSLParameters p = delegate.getDefaultSSLParameters();
            p.setProtocols(new String[] {PROTOCOL});
            p.setCipherSuites(new String[] {CIPHER_SUITE});
            return p;
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return delegate.getSupportedSSLParameters();
        }
    }
}

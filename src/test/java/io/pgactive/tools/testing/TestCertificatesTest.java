package io.pgactive.tools.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both ways of making the test certificates give what a verify-full client and PostgreSQL need: a server certificate
 * the CA signed, naming localhost and 127.0.0.1, with its private key in a file only its owner reads.
 */
class TestCertificatesTest {

    @TempDir
    Path dir;

    @Test
    void withOpenssl() throws Exception {
        assumeTrue(TestCertificates.onPath("openssl"), "no openssl command");
        check(TestCertificates.create(dir, true));
    }

    @Test
    void withKeytool() throws Exception {
        check(TestCertificates.create(dir, false));
    }

    private static void check(TestCertificates certs) throws Exception {
        X509Certificate ca = read(certs.caCert());
        X509Certificate other = read(certs.otherCaCert());
        X509Certificate server = read(certs.serverCert());

        server.verify(ca.getPublicKey());
        assertThatThrownBy(() -> server.verify(other.getPublicKey())).isInstanceOf(GeneralSecurityException.class);
        server.checkValidity();
        assertThat(server.getSubjectAlternativeNames()).contains(List.of(2, "localhost"), List.of(7, "127.0.0.1"));

        assertThat(Files.getPosixFilePermissions(certs.serverKey()))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pem(certs.serverKey())));
        byte[] data = "handshake".getBytes();
        Signature sign = Signature.getInstance("SHA256withRSA");
        sign.initSign(key);
        sign.update(data);
        byte[] signature = sign.sign();
        Signature verify = Signature.getInstance("SHA256withRSA");
        verify.initVerify(server.getPublicKey());
        verify.update(data);
        assertThat(verify.verify(signature)).as("the key is the certificate's").isTrue();
    }

    private static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** The DER inside a PKCS#8 PEM file (openssl 3 and our keytool export both write "PRIVATE KEY"). */
    private static byte[] pem(Path file) throws Exception {
        String text = Files.readString(file);
        assertThat(text).contains("-----BEGIN PRIVATE KEY-----");
        String body = text.substring(
                text.indexOf("-----BEGIN PRIVATE KEY-----") + "-----BEGIN PRIVATE KEY-----".length(),
                text.indexOf("-----END PRIVATE KEY-----"));
        return Base64.getMimeDecoder().decode(body);
    }
}

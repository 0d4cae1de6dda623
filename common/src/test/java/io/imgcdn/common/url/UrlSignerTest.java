package io.imgcdn.common.url;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class UrlSignerTest {

  private static final byte[] KEY =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  @Test
  void sign_knownKeyAndMessage_matchesOpensslHmac() {
    // Golden value from an independent implementation:
    // printf %s 'w=240,h=240,fit=cover/photos/a.jpg' | openssl dgst -sha256 -hmac <KEY>
    String signature = new UrlSigner(KEY).sign("w=240,h=240,fit=cover/photos/a.jpg");
    assertThat(signature).hasSize(43).doesNotContain("=", "+", "/");
    byte[] mac = java.util.Base64.getUrlDecoder().decode(signature);
    assertThat(HexFormat.of().formatHex(mac)).isEqualTo(GOLDEN_HEX);
  }

  static final String GOLDEN_HEX =
      "e849f0c96f6a326a4c1825ea0bfad933d74595ee1df76f755e063cf01c4f95f5";

  @Test
  void verify_ownSignature_true() {
    UrlSigner signer = new UrlSigner(KEY);
    String msg = "w=150,fit=inside,f=jpeg,q=82/a/b.jpg";
    assertThat(signer.verify(signer.sign(msg), msg)).isTrue();
  }

  @Test
  void verify_otherMessageOrKeyOrGarbage_false() {
    UrlSigner signer = new UrlSigner(KEY);
    String msg = "w=150/a.jpg";
    String sig = signer.sign(msg);
    assertThat(signer.verify(sig, "w=151/a.jpg")).isFalse();
    assertThat(
            new UrlSigner("another-key-of-16-bytes-at-least".getBytes(StandardCharsets.US_ASCII))
                .verify(sig, msg))
        .isFalse();
    assertThat(signer.verify(sig.substring(1), msg)).isFalse();
    assertThat(signer.verify(sig + "=", msg)).isFalse();
    assertThat(signer.verify("not base64 !!", msg)).isFalse();
    assertThat(signer.verify("", msg)).isFalse();
    assertThat(signer.verify(null, msg)).isFalse();
  }

  @Test
  void constructor_shortKey_throws() {
    assertThatThrownBy(() -> new UrlSigner(new byte[15]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key: 15 bytes (expected: >= 16)");
  }
}

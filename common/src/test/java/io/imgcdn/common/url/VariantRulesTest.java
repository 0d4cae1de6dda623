package io.imgcdn.common.url;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VariantRulesTest {
  static final UrlSigner SIGNER =
      new UrlSigner("variant-rules-test-key-0123".getBytes(StandardCharsets.UTF_8));

  @Test
  void aSignatureMustBeTheMacOfOptionsAndKey() {
    VariantRules rules = new VariantRules(SIGNER, true, Set.of("w150"), "edge.signing-key");
    String good = SIGNER.sign("w=100/a.jpg");
    assertThatCode(() -> rules.check(ImageUrl.parse("/t/" + good + "/w=100/a.jpg")))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> rules.check(ImageUrl.parse("/t/" + good + "/w=101/a.jpg")))
        .hasMessageContaining("403 invalid signature for w=101/a.jpg")
        .hasMessageContaining("edge.signing-key");
  }

  @Test
  void anUnknownPresetIsNamedWithTheKnownOnes() {
    VariantRules rules = new VariantRules(null, false, Set.of("w600", "w150"), "edge.signing-key");
    assertThatCode(() -> rules.check(ImageUrl.parse("/v/w150/a.jpg"))).doesNotThrowAnyException();
    assertThatThrownBy(() -> rules.check(ImageUrl.parse("/v/w151/a.jpg")))
        .hasMessage("404 unknown preset: w151 (known: w150, w600)");
  }

  @Test
  void whatIsNotKnownIsPassedOnOrRefused() {
    VariantRules edge = new VariantRules(null, false, null, "edge.signing-key");
    assertThatCode(() -> edge.check(ImageUrl.parse("/t/AAAAAAAAAA/w=1/a.jpg")))
        .doesNotThrowAnyException();
    assertThatCode(() -> edge.check(ImageUrl.parse("/v/any/a.jpg"))).doesNotThrowAnyException();
    VariantRules origin = new VariantRules(null, true, Set.of(), "origin.signing-key");
    assertThatThrownBy(() -> origin.check(ImageUrl.parse("/t/AAAAAAAAAA/w=1/a.jpg")))
        .hasMessage("403 signed URLs are disabled (origin.signing-key unset)");
  }
}

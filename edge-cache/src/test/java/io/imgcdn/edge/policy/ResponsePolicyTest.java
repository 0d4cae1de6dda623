package io.imgcdn.edge.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.Settings;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings to rules: defaults, prefixes, the encoded lines, Referer hosts, bad values named. */
class ResponsePolicyTest {
  private static ResponsePolicy policy(Map<String, String> values) {
    Settings s = Settings.of(values);
    ResponsePolicy p = ResponsePolicy.from(s);
    s.finish();
    return p;
  }

  @Test
  void defaults_corsNosniffCsp_attachmentForActiveTypesOnly() {
    Rule rule = ResponsePolicy.defaults().forPath("/any/key.jpg");
    String media = new String(rule.headLines("image/jpeg"), StandardCharsets.ISO_8859_1);
    assertThat(media)
        .isEqualTo(
            "Access-Control-Allow-Origin: *\r\n"
                + "X-Content-Type-Options: nosniff\r\n"
                + "Content-Security-Policy: "
                + ResponsePolicy.DEFAULT_CSP
                + "\r\n");
    assertThat(new String(rule.headLines("image/svg+xml"), StandardCharsets.ISO_8859_1))
        .isEqualTo(media + "Content-Disposition: attachment\r\n");
    assertThat(rule.headLines("text/html; charset=utf-8"))
        .isSameAs(rule.headLines("image/svg+xml"));
    assertThat(rule.headLines("Video/MP4; codecs=avc1")).isSameAs(rule.headLines("image/png"));
    HttpHeaders error = new DefaultHttpHeaders().set("content-type", "text/html");
    rule.apply(error, 404);
    assertThat(error.contains("content-disposition")).as("only a 2xx is a download").isFalse();
    assertThat(rule.refuses("image/svg+xml")).isFalse();
  }

  @Test
  void prefixes_longestWins_emptyOriginSendsNone() {
    ResponsePolicy p =
        policy(
            Map.of(
                "edge.policy.allow-origin", "",
                "edge.policy.prefix.a.match", "/media/",
                "edge.policy.prefix.a.allow-origin", "https://x.example",
                "edge.policy.prefix.b.match", "media/files/"));
    assertThat(p.forPath("/media/files/1.jpg").prefix()).isEqualTo("media/files/");
    assertThat(p.forPath("/media/files/1.jpg").allowOrigin()).isNull();
    assertThat(p.forPath("/media/small/1.jpg").allowOrigin()).isEqualTo("https://x.example");
    assertThat(p.forPath("/other.jpg").prefix()).isEmpty();
  }

  @Test
  void referers_hostsAndSubdomains_notLookalikes() {
    Rule rule = policy(Map.of("edge.policy.referers", "a.example, *.b.example")).forPath("/k.jpg");
    assertThat(allows(rule, "https://a.example/page")).isTrue();
    assertThat(allows(rule, "https://A.EXAMPLE:8443/")).isTrue();
    assertThat(allows(rule, "https://user@x.b.example/")).isTrue();
    assertThat(allows(rule, "https://b.example/")).as("*. means subdomains").isFalse();
    assertThat(allows(rule, "https://a.example.evil/")).isFalse();
    assertThat(allows(rule, "https://evil.example/?a.example")).isFalse();
    assertThat(allows(rule, "not a url")).isFalse();
    assertThat(allows(rule, null)).as("empty Referer allowed by default").isTrue();
  }

  private static boolean allows(Rule rule, String referer) {
    HttpHeaders h = new DefaultHttpHeaders();
    if (referer != null) {
      h.set("referer", referer);
    }
    return rule.allowsReferer(h);
  }

  @Test
  void badValues_namedByKey() {
    assertThatThrownBy(
            () ->
                policy(
                    Map.of(
                        "edge.policy.active-content", "hide",
                        "edge.policy.empty-referer", "maybe",
                        "edge.policy.referers", "https://a.example/",
                        "edge.policy.prefix.x.headers", "NoColon",
                        "edge.policy.prefix.y.colour", "red")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("edge.policy.active-content: 'hide'")
        .hasMessageContaining("edge.policy.empty-referer: 'maybe'")
        .hasMessageContaining("edge.policy.referers: 'https://a.example/'")
        .hasMessageContaining("edge.policy.prefix.x.headers: 'NoColon'")
        .hasMessageContaining("edge.policy.prefix.x.match: missing")
        .hasMessageContaining("edge.policy.prefix.y.colour: unknown setting");
  }
}

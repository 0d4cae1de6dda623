package io.imgcdn.common.url;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.http.HttpError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageUrlTest {

  @Test
  void parse_original_keepsKeyAndDropsQuery() {
    ImageUrl url = ImageUrl.parse("/photos/2024/cat.jpg?utm=1");
    assertThat(url).isEqualTo(new ImageUrl.Original("photos/2024/cat.jpg"));
    assertThat(url.path()).isEqualTo("/photos/2024/cat.jpg");
  }

  @Test
  void parse_preset_splitsPresetAndKey() {
    ImageUrl url = ImageUrl.parse("/v/w150/photos/cat.jpg");
    assertThat(url).isEqualTo(new ImageUrl.Preset("w150", "photos/cat.jpg"));
    assertThat(url.objectKey()).isEqualTo("photos/cat.jpg");
  }

  @Test
  void parse_signed_splitsSignatureOptionsAndKey() {
    ImageUrl url = ImageUrl.parse("/t/AbCdEf0123_-xyz/w=300,h=200,fit=cover/a/b.png");
    assertThat(url)
        .isEqualTo(new ImageUrl.Signed("AbCdEf0123_-xyz", "w=300,h=200,fit=cover", "a/b.png"));
    assertThat(((ImageUrl.Signed) url).signedPart()).isEqualTo("w=300,h=200,fit=cover/a/b.png");
  }

  @Test
  void parse_percentEncodedUtf8_decodesAndReencodesTheSame() {
    ImageUrl url = ImageUrl.parse("/photos/caf%C3%A9%20noir.jpg");
    assertThat(url.objectKey()).isEqualTo("photos/café noir.jpg");
    assertThat(url.encodedPath()).isEqualTo("/photos/caf%C3%A9%20noir.jpg");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/a/../etc/passwd | '..'",
        "/a/./b.jpg | '..'",
        "/a//b.jpg | empty path segment",
        "/a/b.jpg/ | empty path segment",
        "/a%2Fb.jpg | encoded slash",
        "/a%2fb.jpg | encoded slash",
        "/a%zzb.jpg | invalid percent-escape",
        "/a%2 | truncated percent-escape",
        "/a%00b.jpg | control character",
        "/a%0Ab.jpg | control character",
        "/a%C3%28.jpg | not valid UTF-8",
        "/a\\b.jpg | backslash",
        "/v/w 150/a.jpg | control character",
        "/v/w$150/a.jpg | preset name",
        "/t/sig/w=1/a.jpg | signature",
        "relative.jpg | absolute path",
      })
  void parse_unsafeOrMalformed_badRequestNamingTheProblem(String target, String expected) {
    String t = target.replace("w 150", "w\t150");
    assertThatThrownBy(() -> ImageUrl.parse(t))
        .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.status().code()).isEqualTo(400))
        .hasMessageContaining(expected);
  }

  @ParameterizedTest
  @CsvSource({"/", "/v/w150", "/t/AbCdEf0123/w=1"})
  void parse_pathWithoutObjectKey_notFound(String target) {
    assertThatThrownBy(() -> ImageUrl.parse(target))
        .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.status().code()).isEqualTo(404));
  }

  @Test
  void parse_keyOverLimit_badRequest() {
    // 1025 bytes in segments of 255 bytes or less: only the whole key's limit applies
    String segment = "k".repeat(ImageUrl.MAX_KEY_SEGMENT_BYTES);
    String key = String.join("/", segment, segment, segment, segment) + "/k";
    assertThat(key).hasSize(ImageUrl.MAX_KEY_BYTES + 1);
    assertThatThrownBy(() -> ImageUrl.parse("/" + key))
        .hasMessageContaining("longer than 1024 bytes");
    assertThat(ImageUrl.parse("/" + key.substring(1)).objectKey()).hasSize(ImageUrl.MAX_KEY_BYTES);
  }

  @Test
  void parse_keySegmentOverLimit_badRequest() {
    // 256 bytes in one segment (128 two-byte characters): a file name too long for MinIO or a file
    // system
    String segment = "é".repeat(128);
    assertThatThrownBy(() -> ImageUrl.parse("/photos/" + UrlCodec.encodePath(segment)))
        .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.status().code()).isEqualTo(400))
        .hasMessageContaining("segment longer than 255 bytes");
    assertThatThrownBy(() -> ImageUrl.parse("/v/w150/" + "a".repeat(256) + ".jpg"))
        .hasMessageContaining("segment longer than 255 bytes");
    String longest = "a".repeat(ImageUrl.MAX_KEY_SEGMENT_BYTES - 4) + ".jpg";
    assertThat(ImageUrl.parse("/photos/" + longest).objectKey()).isEqualTo("photos/" + longest);
  }
}

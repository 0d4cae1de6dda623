package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ObjectResponsesTest {
  private static final ImageObject OBJ =
      new ImageObject(
          "image/jpeg",
          "\"abc\"",
          "Sun, 06 Nov 1994 08:49:37 GMT",
          ImageObject.IMMUTABLE,
          "0123456789".getBytes(StandardCharsets.US_ASCII));

  private static FullHttpResponse get(HttpMethod method, HttpHeaders headers) {
    return ObjectResponses.toResponse(method, headers, Reply.ok(OBJ, "edge-1;hit"));
  }

  private static String body(FullHttpResponse r) {
    try {
      return new String(ByteBufUtil.getBytes(r.content()), StandardCharsets.US_ASCII);
    } finally {
      r.release();
    }
  }

  @Test
  void get_plain_okWithHeaders() {
    FullHttpResponse r = get(HttpMethod.GET, new DefaultHttpHeaders());
    assertThat(r.status().code()).isEqualTo(200);
    assertThat(r.headers().get("ETag")).isEqualTo("\"abc\"");
    assertThat(r.headers().get("X-Cache")).isEqualTo("edge-1;hit");
    assertThat(r.headers().get("Cache-Control")).contains("immutable");
    assertThat(r.headers().get("Date")).isNotBlank();
    assertThat(r.headers().get("Last-Modified")).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    assertThat(body(r)).isEqualTo("0123456789");
  }

  @Test
  void head_sameHeadersNoBody() {
    FullHttpResponse r = get(HttpMethod.HEAD, new DefaultHttpHeaders());
    assertThat(r.headers().getInt("Content-Length")).isEqualTo(10);
    assertThat(body(r)).isEmpty();
  }

  @Test
  void ifNoneMatch_matchingOrWeakOrStar_notModified() {
    for (String inm : new String[] {"\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*"}) {
      FullHttpResponse r = get(HttpMethod.GET, new DefaultHttpHeaders().set("If-None-Match", inm));
      assertThat(r.status().code()).as(inm).isEqualTo(304);
      assertThat(r.headers().get("ETag")).isEqualTo("\"abc\"");
      assertThat(body(r)).isEmpty();
    }
    assertThat(
            get(HttpMethod.GET, new DefaultHttpHeaders().set("If-None-Match", "\"zzz\""))
                .status()
                .code())
        .isEqualTo(200);
  }

  @Test
  void range_single_partialContent() {
    FullHttpResponse r = get(HttpMethod.GET, new DefaultHttpHeaders().set("Range", "bytes=2-4"));
    assertThat(r.status().code()).isEqualTo(206);
    assertThat(r.headers().get("Content-Range")).isEqualTo("bytes 2-4/10");
    assertThat(body(r)).isEqualTo("234");
    FullHttpResponse suffix =
        get(HttpMethod.GET, new DefaultHttpHeaders().set("Range", "bytes=-3"));
    assertThat(body(suffix)).isEqualTo("789");
    FullHttpResponse open = get(HttpMethod.GET, new DefaultHttpHeaders().set("Range", "bytes=8-"));
    assertThat(body(open)).isEqualTo("89");
  }

  @Test
  void range_beyondEnd_416WithLength() {
    FullHttpResponse r = get(HttpMethod.GET, new DefaultHttpHeaders().set("Range", "bytes=10-20"));
    assertThat(r.status().code()).isEqualTo(416);
    assertThat(r.headers().get("Content-Range")).isEqualTo("bytes */10");
    r.release();
  }

  @Test
  void range_multipleOrMalformedOrStaleIfRange_wholeObject() {
    for (HttpHeaders h :
        new HttpHeaders[] {
          new DefaultHttpHeaders().set("Range", "bytes=0-1,4-5"),
          new DefaultHttpHeaders().set("Range", "bytes=x-y"),
          new DefaultHttpHeaders().set("Range", "bytes=0-1").set("If-Range", "\"other\"")
        }) {
      FullHttpResponse r = get(HttpMethod.GET, h);
      assertThat(r.status().code()).isEqualTo(200);
      assertThat(body(r)).isEqualTo("0123456789");
    }
  }

  @Test
  void ifModifiedSince_notModifiedSince_304WithTheCachingHeaders() {
    FullHttpResponse r =
        get(
            HttpMethod.GET,
            new DefaultHttpHeaders().set("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"));
    assertThat(r.status().code()).isEqualTo(304);
    assertThat(r.headers().get("ETag")).isEqualTo("\"abc\"");
    assertThat(r.headers().get("Cache-Control")).contains("immutable");
    assertThat(r.headers().get("X-Cache")).isEqualTo("edge-1;hit");
    assertThat(r.headers().get("Date")).isNotBlank();
    assertThat(r.headers().contains("Last-Modified"))
        .as("not with an ETag (RFC 9110 15.4.5)")
        .isFalse();
    assertThat(body(r)).isEmpty();
  }

  @Test
  void ifMatch_otherTag_412NamingIt() {
    FullHttpResponse r = get(HttpMethod.GET, new DefaultHttpHeaders().set("If-Match", "\"other\""));
    assertThat(r.status().code()).isEqualTo(412);
    assertThat(r.headers().get("Cache-Control")).isEqualTo("no-store");
    assertThat(r.headers().get("X-Cache")).isEqualTo("edge-1;hit");
    assertThat(r.headers().getInt("Content-Length")).isEqualTo(30);
    assertThat(body(r)).isEqualTo("precondition failed: If-Match\n");
    FullHttpResponse head =
        get(HttpMethod.HEAD, new DefaultHttpHeaders().set("If-Match", "\"other\""));
    assertThat(head.status().code()).isEqualTo(412);
    assertThat(body(head)).isEmpty();
  }

  @Test
  void range_ifRangeWithTheLastModifiedDate_partial() {
    FullHttpResponse r =
        get(
            HttpMethod.GET,
            new DefaultHttpHeaders()
                .set("Range", "bytes=2-4")
                .set("If-Range", "Sun, 06 Nov 1994 08:49:37 GMT"));
    assertThat(r.status().code()).isEqualTo(206);
    assertThat(r.headers().get("Last-Modified")).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    assertThat(body(r)).isEqualTo("234");
  }

  @Test
  void errorReply_textBodyNotCached() {
    FullHttpResponse r =
        ObjectResponses.toResponse(
            HttpMethod.GET,
            new DefaultHttpHeaders(),
            Reply.error(HttpError.notFound("no such object: a.jpg"), "edge-1;miss"));
    assertThat(r.status().code()).isEqualTo(404);
    assertThat(r.headers().get("Cache-Control")).isEqualTo("no-store");
    assertThat(body(r)).isEqualTo("no such object: a.jpg\n");
  }
}
